// Resource limits of GET /v1/live over real HTTP and Redis (docs/live-updates.md, "Limits"): a
// session or API key holds at most LIVE_STREAMS_PER_CREDENTIAL_MAX open streams per API process
// and an account LIVE_STREAMS_PER_ACCOUNT_MAX; past either the stream is refused with 429 and
// nothing is opened, and a stream that closes frees its slot. A process holding LIVE_STREAMS_MAX
// streams in all answers the next 503 with Retry-After (before: no ceiling, so enough tabs of
// enough realtors could take every file descriptor of the API process). A client that stops reading while
// its account's events go on is ended once LIVE_UNSENT_MAX_BYTES wait for it; a reading one is not.
// Before: one read key opened 60 streams (all 200), and a stream nobody read buffered every event
// of its account in the API's memory, without bound.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLivePublisher, liveChannel, liveStreamKey } from '#core/live/live-events.ts';
import {
  LIVE_STREAM_LIMIT_RETRY_AFTER_SEC, LIVE_STREAMS_FULL_RETRY_AFTER_SEC, LIVE_STREAMS_PER_ACCOUNT_MAX, LIVE_STREAMS_PER_CREDENTIAL_MAX, LIVE_UNSENT_MAX_BYTES,
} from '#core/live/live-hub.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { makeApiKey, makeRealtor, type Realtor } from '#test/factories.ts';
import { type LiveStream, openLiveStream } from '#test/live-client.ts';
import { listenWithLogLines } from '#test/log-lines.ts';

let server: TestServer;
const streams: LiveStream[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const s of streams) s.close();
  await server?.close();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Opens a stream and waits for its `ready`: it is counted by then. */
async function openReady(headers: Record<string, string>, url = server.url): Promise<LiveStream> {
  const s = await openLiveStream(url, headers);
  streams.push(s);
  expect(s.status).toBe(200);
  await s.waitForEvent((e) => e.event === 'ready');
  return s;
}

async function openMany(n: number, headers: Record<string, string>): Promise<LiveStream[]> {
  return Promise.all(Array.from({ length: n }, () => openReady(headers)));
}

/** A stream past a cap: 429 `rate_limited` with Retry-After, and no event stream. */
async function expectRefused(headers: Record<string, string>, who: RegExp) {
  const res = await fetch(`${server.url}/v1/live`, { headers: { accept: 'text/event-stream', ...headers } });
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe(String(LIVE_STREAM_LIMIT_RETRY_AFTER_SEC));
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const { error } = await res.json();
  expect(error.code).toBe('rate_limited');
  expect(error.message).toMatch(who);
  return error;
}

/** Subscribers of the account's channel in the shared Redis: this test's one process holds 0 or 1. */
async function subscribers(who: Realtor, on: TestServer = server): Promise<number> {
  return Number(((await on.redis.pubsub('NUMSUB', liveChannel(on.config.QUEUE_PREFIX, who.userId))) as [string, number])[1]);
}

/** Closes `s` and waits until the server has let its stream go (another one with `headers` then opens). */
async function closeAndReopen(s: LiveStream, headers: Record<string, string>, url = server.url): Promise<LiveStream> {
  s.close();
  // The server hears of the abort a moment later; until then the slot is still taken (refused, nothing opened).
  return vi.waitFor(async () => {
    const again = await openLiveStream(url, headers);
    streams.push(again);
    expect(again.status).toBe(200);
    await again.waitForEvent((e) => e.event === 'ready');
    return again;
  }, WAIT);
}

describe('open streams per session or API key, and per account', () => {
  it(`one API key: ${LIVE_STREAMS_PER_CREDENTIAL_MAX} streams open, the next is refused (429, Retry-After) and opens nothing; closing one frees its slot; other keys, sessions and accounts are unaffected`, async () => {
    const owner = await makeRealtor(server);
    const stranger = await makeRealtor(server);
    const key = await makeApiKey(owner);
    const opened = await openMany(LIVE_STREAMS_PER_CREDENTIAL_MAX, bearer(key));
    const error = await expectRefused(bearer(key), /this API key \(at most 10\)/);
    expect(error.details).toEqual({ limit: 'credential', max: LIVE_STREAMS_PER_CREDENTIAL_MAX, retryAfterSeconds: LIVE_STREAM_LIMIT_RETRY_AFTER_SEC });
    await expectRefused(bearer(key), /this API key/);

    // The open ones still hear the account.
    const lead = await owner.client.post('/v1/leads', { name: 'Heard By All Ten' });
    expect(lead.status).toBe(201);
    for (const s of opened) await s.waitForEvent((e) => e.event === 'lead.created' && e.data.leadId === lead.body.leadId);

    // Another key and the session of the same account, and another account, have slots of their own.
    await openReady(bearer(await makeApiKey(owner)));
    await openReady({ cookie: owner.client.cookie });
    await openReady(bearer(await makeApiKey(stranger)));

    const replacement = await closeAndReopen(opened[0], bearer(key));
    await expectRefused(bearer(key), /this API key/);

    // Nothing the refusals made is left behind: once every stream of the account is closed, this
    // process lets go of its channel (a stream kept by a refused request would hold it).
    for (const s of streams) s.close();
    expect(streams).toContain(replacement);
    await vi.waitFor(async () => expect(await subscribers(owner)).toBe(0), WAIT);
    await openMany(LIVE_STREAMS_PER_CREDENTIAL_MAX, bearer(key));
  });

  it(`a session holds ${LIVE_STREAMS_PER_CREDENTIAL_MAX} (tabs of the admin), then 429 naming the session`, async () => {
    const realtor = await makeRealtor(server);
    const tabs = await openMany(LIVE_STREAMS_PER_CREDENTIAL_MAX, { cookie: realtor.client.cookie });
    await expectRefused({ cookie: realtor.client.cookie }, /this session \(at most 10\)/);
    await closeAndReopen(tabs[3], { cookie: realtor.client.cookie });
  });

  it(`an account holds ${LIVE_STREAMS_PER_ACCOUNT_MAX} whatever opened them; the next is refused even from a fresh key, and a closed one frees a slot`, async () => {
    const owner = await makeRealtor(server);
    const stranger = await makeRealtor(server);
    const perKey = LIVE_STREAMS_PER_CREDENTIAL_MAX;
    const keys = await Promise.all(Array.from({ length: LIVE_STREAMS_PER_ACCOUNT_MAX / perKey }, () => makeApiKey(owner)));
    const opened = (await Promise.all(keys.map((key) => openMany(perKey, bearer(key))))).flat();
    expect(opened).toHaveLength(LIVE_STREAMS_PER_ACCOUNT_MAX);
    const fresh = bearer(await makeApiKey(owner));
    const error = await expectRefused(fresh, /this account \(at most 30\)/);
    expect(error.details).toMatchObject({ limit: 'account', max: LIVE_STREAMS_PER_ACCOUNT_MAX });
    await expectRefused({ cookie: owner.client.cookie }, /this account/);
    await openReady({ cookie: stranger.client.cookie });
    await closeAndReopen(opened[0], fresh);
  });
});

/**
 * A client that sends the request and then reads nothing more once it has its `ready`: what the
 * server writes then piles up in the kernel's buffers, and then in the API process.
 */
async function openStalledStream(url: string, cookie: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    let received = '';
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      received += chunk;
      if (!received.includes('event: ready')) return;
      socket.pause();
      socket.removeAllListeners('data');
      resolve();
    });
    socket.write(`GET /v1/live HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\nCookie: ${cookie}\r\n\r\n`);
  });
  return socket;
}

describe('open streams per API process, all accounts together (LIVE_STREAMS_MAX)', () => {
  const MAX = 3;
  let small: TestServer;
  beforeAll(async () => {
    small = await startTestServer({ LIVE_STREAMS_MAX: String(MAX) });
  });
  afterAll(async () => {
    for (const s of streams) s.close();
    await small?.close();
  });

  it(`holds ${MAX} streams of two realtors; a third realtor's stream gets 503 with Retry-After and opens nothing; a closed stream frees its slot for anyone`, async () => {
    const [first, second, third] = await Promise.all([makeRealtor(small), makeRealtor(small), makeRealtor(small)]);
    const held = [await openReady({ cookie: first.client.cookie }, small.url), await openReady({ cookie: first.client.cookie }, small.url), await openReady({ cookie: second.client.cookie }, small.url)];

    const res = await fetch(`${small.url}/v1/live`, { headers: { accept: 'text/event-stream', cookie: third.client.cookie } });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe(String(LIVE_STREAMS_FULL_RETRY_AFTER_SEC));
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: 'unavailable', details: { limit: 'process', retryAfterSeconds: LIVE_STREAMS_FULL_RETRY_AFTER_SEC } });
    expect(error.message).toMatch(/at capacity/);
    // Nothing opened for the refused realtor: no subscription to their channel.
    expect(await subscribers(third, small)).toBe(0);

    await closeAndReopen(held[0], { cookie: third.client.cookie }, small.url);
  });
});

describe('a client that stops reading', () => {
  it('is ended once more than the limit waits for it, with one log line; a client reading the same events keeps receiving them', async () => {
    const realtor = await makeRealtor(server);
    const listener = await listenWithLogLines(server);
    const connections = () => new Promise<number>((resolve, reject) => listener.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    const stalled = await openStalledStream(listener.url, realtor.client.cookie);
    const reader = await openReady({ cookie: realtor.client.cookie }, listener.url);
    expect(await connections()).toBe(2);
    const tooSlow = () => listener.lines.filter((l) => l.msg === 'live stream too slow: its client stopped reading; ended it');

    const publisher = createLivePublisher({ redis: server.redis, prefix: server.config.QUEUE_PREFIX, log: server.runtime.logger });
    const pad = 'x'.repeat(256 * 1024);
    // The kernel's socket buffers take a few MB first; 48 MB is far past them and the limit.
    const maxEvents = 192;
    let sent = 0;
    try {
      while (sent < maxEvents && tooSlow().length === 0) {
        const batch = Array.from({ length: 4 }, () => ({ type: 'lead.updated' as const, data: { leadId: `pad-${++sent}`, pad } }));
        await publisher.publish(realtor.userId, batch);
        // The reader takes each batch before the next one is published (it reads as fast as it is sent).
        await reader.waitForEvent((e) => e.data.leadId === `pad-${sent}`);
        // Only the live path is under test: keep the shared Redis's backlog small.
        await server.redis.xtrim(liveStreamKey(server.config.QUEUE_PREFIX, realtor.userId), 'MAXLEN', 4);
      }
      expect(tooSlow(), `ended after ${sent} events of 256 KB`).toHaveLength(1);
      expect(tooSlow()[0]).toMatchObject({ accountId: realtor.userId, level: 40 });
      expect(tooSlow()[0].unsentBytes).toBeGreaterThan(LIVE_UNSENT_MAX_BYTES);
      // Its connection is dropped (LIVE_END_TIMEOUT_MS after its response was ended): the reader's is left.
      await vi.waitFor(async () => expect(await connections()).toBe(1), WAIT);

      // The reader goes on: every event arrived, in order, and the next one too.
      await publisher.publish(realtor.userId, [{ type: 'lead.updated', data: { leadId: 'after' } }]);
      await reader.waitForEvent((e) => e.data.leadId === 'after');
      const ids = reader.events.filter((e) => e.event === 'lead.updated').map((e) => e.data.leadId);
      expect(ids).toEqual([...Array.from({ length: sent }, (_, i) => `pad-${i + 1}`), 'after']);
      expect(tooSlow()).toHaveLength(1);
    } finally {
      stalled.destroy();
      reader.close();
      await listener.close();
    }
  });
});
