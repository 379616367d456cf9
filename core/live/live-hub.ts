import type { Redis } from 'ioredis';
import { LIVE_STREAMS_MAX_DEFAULT } from '../config.ts';
import type { Logger } from '../logger.ts';
import { closeRedis, createRedis } from '../redis.ts';
import { isAccessChangedMessage, LIVE_BACKLOG_MAX, liveChannel, liveStreamKey, type PublishedLiveEvent } from './live-events.ts';

/** How often an open stream gets a comment line, so proxies and browsers keep it open. */
export const LIVE_HEARTBEAT_MS = 20_000;
/** What a client's EventSource waits before reconnecting after a drop (the SSE `retry:` field). */
export const LIVE_RETRY_MS = 3000;
/**
 * How long opening a stream waits for SUBSCRIBE. The subscriber connection waits out an outage
 * (offline queue), so without a bound a request during one would hang; past it the route answers 503.
 */
export const LIVE_SUBSCRIBE_TIMEOUT_MS = 2000;
/**
 * How long a stream's access check (`authorize`) may take. Events wait while it runs; one that
 * does not answer in time counts as a refusal (the client reconnects and is asked again).
 */
export const LIVE_AUTHORIZE_TIMEOUT_MS = 5000;
/**
 * How long a stream the server ends (shutdown, access gone) has to deliver its last bytes before
 * its connection is dropped: a client that stopped reading would otherwise hold the response —
 * and a graceful shutdown waiting for it — open.
 */
export const LIVE_END_TIMEOUT_MS = 1000;
/**
 * Open streams one session or API key may hold in one API process: room for a realtor's tabs
 * (one stream each), not for a leaked key opening hundreds. Past it `open` throws
 * LiveStreamLimitError (the route answers 429).
 */
export const LIVE_STREAMS_PER_CREDENTIAL_MAX = 10;
/** Open streams one account may hold in one API process, whatever sessions and keys opened them. */
export const LIVE_STREAMS_PER_ACCOUNT_MAX = 30;
/** What a stream refused because the process is full is told to wait (Retry-After): another process behind the load balancer, or a slot here, by then. */
export const LIVE_STREAMS_FULL_RETRY_AFTER_SEC = 30;
/**
 * What a refused stream is told to wait (Retry-After): a slot frees only when another stream of
 * the session, key or account closes. The admin's own backoff reaches a minute too.
 */
export const LIVE_STREAM_LIMIT_RETRY_AFTER_SEC = 60;
/**
 * Bytes written to a stream that its client has not taken yet. Past it the stream is ended as too
 * slow (its client reconnects with Last-Event-ID and replays what it missed): otherwise a client
 * that stops reading while its account's events go on would grow the process's memory without
 * bound. A reading client is far below it: a full backlog replay is about 0.5 MB, a bulk action's
 * 500 events about 0.2 MB.
 */
export const LIVE_UNSENT_MAX_BYTES = 1024 * 1024;

/**
 * `open` found the access gone once its subscription was in place (`authorize` said no): the
 * request was authenticated, then its key revoked or its session ended before the stream could
 * hear of it. Nothing was sent; the route answers 401, as the client's next request would get.
 */
export class LiveAccessRefusedError extends Error {
  constructor() {
    super('the access that opened the live stream ended before it opened');
    this.name = 'LiveAccessRefusedError';
  }
}

/**
 * `open` refused a stream: the session or API key (`limit: 'credential'`), or the account, already
 * holds its maximum of open streams in this process (the route answers 429), or the process holds
 * its maximum in all (`limit: 'process'`: the route answers 503). Nothing was opened.
 */
export class LiveStreamLimitError extends Error {
  readonly limit: 'credential' | 'account' | 'process';
  readonly max: number;

  constructor(limit: 'credential' | 'account' | 'process', max: number) {
    super(`too many open live streams for this ${limit} (${max})`);
    this.name = 'LiveStreamLimitError';
    this.limit = limit;
    this.max = max;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
const STREAM_ID_PART_MAX = 2n ** 64n - 1n;

/**
 * `<ms>-<seq>` as Redis can read it: both parts fit 64 bits. Twenty digits can spell more, which
 * XRANGE refuses with an error (a 503 for a client's Last-Event-ID). Anything else is not a position.
 */
function isStreamId(id: string): boolean {
  return STREAM_ID.test(id) && id.split('-').every((part) => BigInt(part) <= STREAM_ID_PART_MAX);
}

/** -1, 0, 1 for two stream ids `<ms>-<seq>`. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am < bm ? -1 : am > bm ? 1 : as < bs ? -1 : as > bs ? 1 : 0;
}

/**
 * The frame that tells a client to reload everything it shows: it may have missed events. The
 * same as a published `reset` event's frame (`sseFrame`), which carries its own `id:`.
 */
const RESET_FRAME = 'event: reset\ndata: {}\n\n';

/** One SSE frame. Data is JSON on one line. */
export function sseFrame(e: PublishedLiveEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

export interface LiveSink {
  /** Writes text to the client's response. */
  write(text: string): void;
  /**
   * Bytes written that the client has not taken yet (still buffered in the process); a stream past
   * LIVE_UNSENT_MAX_BYTES is ended as too slow. Absent: never ended for it.
   */
  unsentBytes?(): number;
  /**
   * Ends the client's response (server shutdown, access gone): at once, and if its last bytes
   * are not delivered within LIVE_END_TIMEOUT_MS, its connection is dropped.
   */
  end(): void;
}

interface Client {
  accountId: string;
  /** The session or API key that opened it, counted against LIVE_STREAMS_PER_CREDENTIAL_MAX. */
  credential?: string;
  sink: LiveSink;
  authorize?: () => Promise<boolean>;
  /** The last id sent to this client; live events at or before it are not sent again. */
  lastId: string;
  /** Events that arrived while the backlog was being replayed or an access check ran: sent after. */
  held: PublishedLiveEvent[];
  /** The backlog is being replayed. */
  opening: boolean;
  /** An access check is running; `recheck` asked for another meanwhile. */
  checking: boolean;
  checkAgain: boolean;
  ended: boolean;
  /** The subscriber reconnected while the stream was opening: `open` sends `reset` before `ready`. */
  missedOutage: boolean;
}

export interface LiveStreamHandle {
  /** The client went away. */
  close(): void;
  /**
   * Asks `authorize` again now (the sessions changed). Events that arrive meanwhile wait for its
   * answer and are dropped with the stream on a refusal: nothing published after the change that
   * ended the access reaches the stream.
   */
  recheck(): void;
}

export interface LiveHub {
  /**
   * Opens a stream for one of `accountId`'s admins: replays the backlog after `lastEventId` (or
   * announces the current position with a `ready` event), then forwards live events until
   * `close()` (the client went away). Throws when Redis is unavailable or the access check fails
   * (the route answers 503), and LiveAccessRefusedError when `authorize`, asked once the
   * subscription is in place, says no. Throws LiveStreamLimitError, before anything is opened,
   * when the credential or the account already holds its maximum of open streams here, or this
   * process holds `maxStreams` in all.
   */
  open(opts: {
    accountId: string;
    /**
     * Who opened it — one id per session or API key (`session:<id>`, `apiKey:<id>`): at most
     * `maxStreamsPerCredential` open streams each. Absent: only the account's cap applies.
     */
    credential?: string;
    lastEventId?: string;
    sink: LiveSink;
    /**
     * Whether whoever opened the stream may still read it (their session or API key is still
     * valid). Asked once the stream is subscribed, before anything is sent (a refusal then throws
     * LiveAccessRefusedError), then at every heartbeat, on `recheck()` and when the account's
     * access changes in any process (`announceAccessChange`: an API key revoked); on false, an
     * error or no answer within LIVE_AUTHORIZE_TIMEOUT_MS the stream is ended. Default: never asked.
     */
    authorize?: () => Promise<boolean>;
  }): Promise<LiveStreamHandle>;
  /** Ends every open stream and releases the subscriber connection (server shutdown). */
  close(): Promise<void>;
  /** Open streams (tests, logs). */
  size(): number;
}

/**
 * The live-update fan-out of one API process. One subscriber connection per process (opened with
 * the first stream, closed with the last), subscribed to the channel of each account that has an
 * open stream here; one heartbeat timer for all streams, which also asks each stream's
 * `authorize` again, so a stream outlives the access that opened it by one heartbeat at most.
 * When the subscriber connection comes back after it was lost, every open stream is sent `reset`:
 * what was published meanwhile never reached it (`announceRecovery`). A `reset` a publisher owed
 * an account (its publish failed while this subscriber stayed up: `publishOwedResets`) is an event
 * like any other here: relayed live, replayed from the backlog, with its own id.
 * `redis` is the process's request connection (fail-fast), used for the backlog reads.
 */
export function createLiveHub({
  redis, redisUrl, prefix, logger, heartbeatMs = LIVE_HEARTBEAT_MS,
  maxStreamsPerCredential = LIVE_STREAMS_PER_CREDENTIAL_MAX, maxStreamsPerAccount = LIVE_STREAMS_PER_ACCOUNT_MAX, maxStreams = LIVE_STREAMS_MAX_DEFAULT,
  maxUnsentBytes = LIVE_UNSENT_MAX_BYTES,
}: {
  redis: Redis; redisUrl: string; prefix: string; logger: Logger;
  /** Between heartbeats and access checks; default LIVE_HEARTBEAT_MS. */
  heartbeatMs?: number;
  /** Open streams per session or API key; default LIVE_STREAMS_PER_CREDENTIAL_MAX. */
  maxStreamsPerCredential?: number;
  /** Open streams per account; default LIVE_STREAMS_PER_ACCOUNT_MAX. */
  maxStreamsPerAccount?: number;
  /** Open streams in this process, all accounts together; default config LIVE_STREAMS_MAX's. */
  maxStreams?: number;
  /** A stream's unsent bytes past which it is ended as too slow; default LIVE_UNSENT_MAX_BYTES. */
  maxUnsentBytes?: number;
}): LiveHub {
  const clients = new Map<string, Set<Client>>();
  /** Streams in `clients`, all accounts together (the process-wide cap). */
  let openStreams = 0;
  /** Each account's SUBSCRIBE, awaited by every stream that opens for it. */
  const subscriptions = new Map<string, Promise<unknown>>();
  let subscriber: Redis | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let closed = false;

  const channelPrefix = liveChannel(prefix, '');
  function onMessage(channel: string, message: string): void {
    if (!channel.startsWith(channelPrefix)) return;
    const accountId = channel.slice(channelPrefix.length);
    let event: PublishedLiveEvent;
    try {
      event = JSON.parse(message) as PublishedLiveEvent;
    } catch {
      return;
    }
    // An API key of the account was revoked: every stream asks again now (also one still
    // replaying its backlog: its request may have been authenticated before the revocation).
    if (isAccessChangedMessage(event)) {
      for (const client of clients.get(accountId) ?? []) recheck(client);
      return;
    }
    for (const client of clients.get(accountId) ?? []) deliver(client, event);
  }

  function deliver(client: Client, event: PublishedLiveEvent): void {
    if (client.opening || client.checking) {
      client.held.push(event);
      return;
    }
    if (compareStreamIds(event.id, client.lastId) <= 0) return;
    client.lastId = event.id;
    send(client, sseFrame(event));
  }

  /**
   * Writes to a stream that has not ended (an access check may end one while its backlog replays),
   * and ends one whose client has stopped taking what it is sent. Not while it opens: the replay
   * is written at once, and a reading client takes it as fast as its connection allows.
   */
  function send(client: Client, text: string): void {
    if (client.ended) return;
    client.sink.write(text);
    if (client.opening) return;
    const unsent = client.sink.unsentBytes?.() ?? 0;
    if (unsent <= maxUnsentBytes) return;
    logger.warn({ accountId: client.accountId, unsentBytes: unsent }, 'live stream too slow: its client stopped reading; ended it');
    endStream(client);
  }

  /** Sends what was held, once neither the replay nor an access check holds it any more. */
  function release(client: Client): void {
    if (client.opening || client.checking || client.ended) return;
    const held = client.held;
    client.held = [];
    for (const e of held) deliver(client, e);
  }

  /** Ends a stream (its access is gone, or it is too slow): what it held is dropped, its response ended. */
  function endStream(client: Client): void {
    client.ended = true;
    client.held = [];
    remove(client);
    client.sink.end();
  }

  function recheck(client: Client): void {
    const { authorize } = client;
    if (!authorize || client.ended) return;
    if (client.checking) {
      // The running check may have read before the change that asked for this one.
      client.checkAgain = true;
      return;
    }
    client.checking = true;
    client.checkAgain = false;
    withTimeout(authorize(), LIVE_AUTHORIZE_TIMEOUT_MS, 'the live stream access check')
      .catch((err: unknown) => {
        logger.warn({ err: (err as Error).message, accountId: client.accountId }, 'live stream access check failed; ending the stream');
        return false;
      })
      .then((allowed) => {
        client.checking = false;
        if (client.ended) return;
        if (!allowed) return endStream(client);
        if (client.checkAgain) return recheck(client);
        release(client);
      });
  }

  function ensureSubscriber(): Redis {
    if (subscriber) return subscriber;
    const s = createRedis(redisUrl, { name: 'porchlight-live' });
    subscriber = s;
    s.on('error', (err) => logger.debug({ err: err.message }, 'live subscriber error'));
    s.on('message', onMessage);
    // ioredis emits 'ready' on every (re)connect; one after a 'close' is a connection that came
    // back (or a first connect that failed at first). Not a first connect that just worked.
    let lost = false;
    s.on('close', () => (lost = true));
    s.on('ready', () => {
      if (!lost || s !== subscriber) return;
      lost = false;
      void announceRecovery(s);
    });
    heartbeat = setInterval(() => {
      for (const set of clients.values()) {
        for (const c of set) {
          send(c, ': heartbeat\n\n');
          // Not while it opens: `open` asks once it is subscribed, before it replays.
          if (!c.opening) recheck(c);
        }
      }
    }, heartbeatMs);
    heartbeat.unref();
    return subscriber;
  }

  /**
   * The subscriber is back after a lost connection: whatever was published meanwhile reached no
   * stream of this process (and most of it was not published at all: the request connection fails
   * fast), so every stream is told to reload (`reset`). Once resubscribed: ioredis resubscribes
   * by itself, but only after emitting 'ready' and without telling when it is done, so the hub
   * subscribes again (harmless twice) and waits for the answer — from then on every event reaches
   * the streams, and the client's reload, which starts after `reset`, sees every change before.
   * The `reset` carries the newest backlog id, so the client's next reconnect replays from there
   * (not from before the outage: already covered by the reload, or gone with a restarted Redis).
   * A stream still opening sends its `reset` itself, before `ready`.
   */
  async function announceRecovery(s: Redis): Promise<void> {
    const streams: Client[] = [];
    let told = 0;
    for (const set of clients.values()) {
      for (const c of set) {
        if (c.ended) continue;
        if (c.opening) {
          c.missedOutage = true;
          told++;
        } else streams.push(c);
      }
    }
    const accountIds = [...new Set(streams.map((c) => c.accountId))];
    try {
      if (accountIds.length) await s.subscribe(...accountIds.map((id) => liveChannel(prefix, id)));
    } catch (err) {
      // Lost again (or closed): the next 'ready' tells the streams.
      logger.debug({ err: (err as Error).message }, 'live subscriber could not resubscribe');
      return;
    }
    const newest = new Map<string, string>();
    await Promise.all(accountIds.map(async (accountId) => {
      try {
        const id = await newestId(accountId);
        if (id) newest.set(accountId, id);
      } catch {
        // The request connection is not back yet: the stream keeps its own position.
      }
    }));
    for (const c of streams) {
      if (c.ended) continue;
      told++;
      const position = newest.get(c.accountId);
      if (position && compareStreamIds(position, c.lastId) > 0) c.lastId = position;
      send(c, `id: ${c.lastId}\n${RESET_FRAME}`);
    }
    logger.info({ streams: told }, 'live subscriber reconnected to Redis; told the open streams to reload');
  }

  async function releaseIfIdle(): Promise<void> {
    if (clients.size > 0 || !subscriber) return;
    subscriptions.clear();
    const s = subscriber;
    subscriber = null;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
    await closeRedis(s);
  }

  function remove(client: Client): void {
    const set = clients.get(client.accountId);
    if (!set?.delete(client)) return;
    openStreams -= 1;
    if (set.size === 0) {
      clients.delete(client.accountId);
      subscriptions.delete(client.accountId);
      subscriber?.unsubscribe(liveChannel(prefix, client.accountId)).catch(() => undefined);
    }
    void releaseIfIdle();
  }

  /** The id of the newest entry in the account's backlog, if it has any. */
  async function newestId(accountId: string): Promise<string | undefined> {
    const [newest] = await redis.xrevrange(liveStreamKey(prefix, accountId), '+', '-', 'COUNT', 1);
    return newest?.[0];
  }

  async function readAfter(accountId: string, afterId: string): Promise<PublishedLiveEvent[]> {
    const entries = await redis.xrange(liveStreamKey(prefix, accountId), `(${afterId}`, '+', 'COUNT', LIVE_BACKLOG_MAX);
    return entries.map(([id, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
      return { id, type: f.t as PublishedLiveEvent['type'], data: JSON.parse(f.d ?? '{}') };
    });
  }

  return {
    size: () => openStreams,

    async open({ accountId, credential, lastEventId, sink, authorize }) {
      if (closed) throw new Error('the live hub is closed');
      // Counted before the first await, so streams opening together cannot pass the cap together;
      // every way a stream ends (`remove`, `close`) frees its slot.
      const open = clients.get(accountId);
      if (credential !== undefined && [...(open ?? [])].filter((c) => c.credential === credential).length >= maxStreamsPerCredential) {
        throw new LiveStreamLimitError('credential', maxStreamsPerCredential);
      }
      if ((open?.size ?? 0) >= maxStreamsPerAccount) throw new LiveStreamLimitError('account', maxStreamsPerAccount);
      if (openStreams >= maxStreams) throw new LiveStreamLimitError('process', maxStreams);
      const client: Client = { accountId, credential, sink, authorize, lastId: '0-0', held: [], opening: true, checking: false, checkAgain: false, ended: false, missedOutage: false };
      const set = clients.get(accountId) ?? new Set<Client>();
      clients.set(accountId, set);
      set.add(client);
      openStreams += 1;
      const handle: LiveStreamHandle = {
        close: () => {
          client.ended = true;
          remove(client);
        },
        recheck: () => recheck(client),
      };
      try {
        // Subscribe before reading the backlog: an event published in between is then both
        // buffered and replayed, and the id comparison drops the second copy.
        let subscribed = subscriptions.get(accountId);
        if (!subscribed) {
          subscribed = withTimeout(ensureSubscriber().subscribe(liveChannel(prefix, accountId)), LIVE_SUBSCRIBE_TIMEOUT_MS, 'Redis SUBSCRIBE');
          subscriptions.set(accountId, subscribed);
          // A failed SUBSCRIBE is not kept: the next stream of the account tries again.
          subscribed.catch(() => subscriptions.delete(accountId));
        }
        await subscribed;
        // The request was authenticated before this SUBSCRIBE, so an access change announced in
        // between (a key revoked: `announceAccessChange`) reached no stream of it, and the heartbeat
        // would only notice it up to LIVE_HEARTBEAT_MS later. Ask again now that the next change would
        // be heard, before anything is sent; events that arrive meanwhile are held (`opening`).
        if (authorize && !(await withTimeout(authorize(), LIVE_AUTHORIZE_TIMEOUT_MS, 'the live stream access check'))) {
          throw new LiveAccessRefusedError();
        }
        send(client, `retry: ${LIVE_RETRY_MS}\n\n`);
        const key = liveStreamKey(prefix, accountId);
        const position = lastEventId && isStreamId(lastEventId) ? lastEventId : undefined;
        const newest = position ? await newestId(accountId) : undefined;
        if (position && (!newest || compareStreamIds(position, newest) > 0)) {
          // A position past the newest entry (or in an empty backlog) was never sent by this stream
          // (forged, or kept from another Redis): taken as is, every event up to that time would be
          // dropped as already seen (deliver's id comparison). Start from the newest instead; past
          // an entry that exists, something may be lost: tell the client to reload.
          if (newest) send(client, RESET_FRAME);
          client.lastId = newest ?? '0-0';
        } else if (position) {
          const oldest = await redis.xrange(key, '-', '+', 'COUNT', 1);
          // The backlog no longer reaches back to the client's position: tell it to reload.
          if (oldest.length && compareStreamIds(oldest[0][0], position) > 0 && compareStreamIds(position, '0-0') > 0) {
            send(client, RESET_FRAME);
          }
          client.lastId = position;
          for (const e of await readAfter(accountId, position)) {
            client.lastId = e.id;
            send(client, sseFrame(e));
          }
        } else {
          client.lastId = (await newestId(accountId)) ?? '0-0';
        }
        // The subscriber reconnected since this stream subscribed: events may be lost (announceRecovery).
        if (client.missedOutage) send(client, RESET_FRAME);
        // The position the client has reached, so its next reconnect replays from here.
        send(client, `id: ${client.lastId}\nevent: ready\ndata: {}\n\n`);
        client.opening = false;
        release(client);
      } catch (err) {
        handle.close();
        throw err;
      }
      return handle;
    },

    async close() {
      closed = true;
      for (const set of clients.values()) {
        for (const c of set) {
          c.ended = true;
          c.sink.end();
        }
      }
      clients.clear();
      openStreams = 0;
      await releaseIfIdle();
    },
  };
}
