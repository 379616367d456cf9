// A stream lasts only as long as the access that opened it: the hub asks each stream's `authorize`
// once it is subscribed (a refusal then opens nothing), again at every heartbeat (a short one
// here) and on `recheck()`, ends the streams refused, and holds what arrives during a check until
// its answer. Every way a stream ends frees its slot under the per-credential and per-account caps,
// and a stream whose client stops taking what it is sent is ended. Real Redis; the access is a flag.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createQueuePrefix } from '#test/db.ts';
import { TEST_REDIS_URL, WAIT } from '#test/env.ts';
import { createLogger } from '../logger.ts';
import { closeRedis, createRequestRedis, waitForRedis } from '../redis.ts';
import { createLivePublisher, liveChannel } from './live-events.ts';
import { createLiveHub, LiveAccessRefusedError, type LiveHub, type LiveSink, LiveStreamLimitError } from './live-hub.ts';

const HEARTBEAT_MS = 50;
const logger = createLogger({ level: 'silent', name: 'live-hub-test' });
const prefix = createQueuePrefix();
let redis: Redis;
let hub: LiveHub;

beforeAll(async () => {
  redis = createRequestRedis(TEST_REDIS_URL, { name: 'live-hub-test' });
  await waitForRedis(redis, 5000);
  hub = createLiveHub({ redis, redisUrl: TEST_REDIS_URL, prefix, logger, heartbeatMs: HEARTBEAT_MS });
});
afterAll(async () => {
  await hub?.close();
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await closeRedis(redis);
});

/** A sink that keeps what was written and says when it was ended. */
function recordingSink() {
  let ended = false;
  const written: string[] = [];
  const sink: LiveSink = { write: (text) => written.push(text), end: () => (ended = true) };
  return {
    sink, written,
    isEnded: () => ended,
    leadIds: () => written.flatMap((t) => /"leadId":"([^"]+)"/.exec(t)?.[1] ?? []),
  };
}

function publishLead(accountId: string, leadId: string) {
  return createLivePublisher({ redis, prefix, log: logger }).publish(accountId, [{ type: 'lead.created', data: { leadId } }]);
}

describe('a stream whose access is gone', () => {
  it('ends at the next heartbeat once authorize says no, and hears nothing more', async () => {
    const accountId = randomUUID();
    let allowed = true;
    let checks = 0;
    const s = recordingSink();
    await hub.open({ accountId, sink: s.sink, authorize: async () => {
      checks++;
      return allowed;
    } });
    await vi.waitFor(() => expect(checks).toBeGreaterThanOrEqual(2), WAIT); // asked at every heartbeat
    await publishLead(accountId, 'before');
    await vi.waitFor(() => expect(s.leadIds()).toEqual(['before']), WAIT);
    expect(s.isEnded()).toBe(false);

    allowed = false; // the session was deleted, the key revoked
    await vi.waitFor(() => expect(s.isEnded()).toBe(true), WAIT);
    expect(hub.size()).toBe(0);
    await publishLead(accountId, 'after');
    expect(s.leadIds()).toEqual(['before']);
  });

  it('is asked again once subscribed, before anything is sent: a refusal then opens nothing', async () => {
    const accountId = randomUUID();
    const subscribersWhenAsked: number[] = [];
    const s = recordingSink();
    const opening = hub.open({ accountId, sink: s.sink, authorize: async () => {
      // A change announced from here on reaches the stream: the gap since its authentication is closed.
      subscribersWhenAsked.push(Number(((await redis.pubsub('NUMSUB', liveChannel(prefix, accountId))) as [string, number])[1]));
      return false;
    } });
    await expect(opening).rejects.toBeInstanceOf(LiveAccessRefusedError);
    expect(subscribersWhenAsked).toEqual([1]);
    expect(s.written).toEqual([]);
    expect(hub.size()).toBe(0);
  });

  it('ends when the check fails (fails closed: the client reconnects and is asked again)', async () => {
    let up = true;
    const s = recordingSink();
    await hub.open({ accountId: randomUUID(), sink: s.sink, authorize: async () => {
      if (up) return true;
      throw new Error('Postgres is not answering');
    } });
    up = false;
    await vi.waitFor(() => expect(s.isEnded()).toBe(true), WAIT);
    // At opening, the same failure opens nothing (the route answers 503; the client retries).
    const opening = hub.open({ accountId: randomUUID(), sink: recordingSink().sink, authorize: async () => { throw new Error('Postgres is not answering'); } });
    await expect(opening).rejects.toThrow('Postgres is not answering');
  });

  it('holds events published while a recheck runs: dropped with the stream when refused, sent when allowed', async () => {
    // No heartbeat during the test: only recheck() asks, and each answer is given by hand.
    const quiet = createLiveHub({ redis, redisUrl: TEST_REDIS_URL, prefix, logger, heartbeatMs: 60_000 });
    const accountId = randomUUID();
    const answer: Record<'refused' | 'allowed', ((ok: boolean) => void) | undefined> = { refused: undefined, allowed: undefined };
    // Allowed at opening; each later answer is given by hand.
    const authorizeAs = (name: 'refused' | 'allowed') => {
      let asked = 0;
      return () => (asked++ === 0 ? Promise.resolve(true) : new Promise<boolean>((resolve) => (answer[name] = resolve)));
    };
    const refused = recordingSink();
    const allowed = recordingSink();
    const witness = recordingSink(); // no authorize: shows when an event has reached the hub
    try {
      const refusedHandle = await quiet.open({ accountId, sink: refused.sink, authorize: authorizeAs('refused') });
      const allowedHandle = await quiet.open({ accountId, sink: allowed.sink, authorize: authorizeAs('allowed') });
      await quiet.open({ accountId, sink: witness.sink });
      refusedHandle.recheck(); // the sessions changed
      allowedHandle.recheck();
      expect(answer.refused && answer.allowed).toBeDefined();

      await publishLead(accountId, 'during');
      await vi.waitFor(() => expect(witness.leadIds()).toEqual(['during']), WAIT);
      expect(refused.leadIds()).toEqual([]);
      expect(allowed.leadIds()).toEqual([]);

      answer.refused!(false);
      answer.allowed!(true);
      await vi.waitFor(() => expect(refused.isEnded()).toBe(true), WAIT);
      await vi.waitFor(() => expect(allowed.leadIds()).toEqual(['during']), WAIT);
      expect(refused.leadIds()).toEqual([]);
      expect(allowed.isEnded()).toBe(false);
      expect(quiet.size()).toBe(2);
    } finally {
      await quiet.close();
    }
  });
});

describe('slots and slow clients', () => {
  /** A hub of its own with small caps: 2 streams per credential, 3 per account, 100 bytes unsent. */
  function smallHub() {
    return createLiveHub({ redis, redisUrl: TEST_REDIS_URL, prefix, logger, heartbeatMs: HEARTBEAT_MS, maxStreamsPerCredential: 2, maxStreamsPerAccount: 3, maxUnsentBytes: 100 });
  }

  it('a stream ended for its access, or refused while opening, frees its slot; so does the client going away', async () => {
    const small = smallHub();
    try {
      const accountId = randomUUID();
      let allowed = true;
      const authorize = async () => allowed;
      const first = recordingSink();
      const closing = await small.open({ accountId, credential: 'apiKey:a', sink: first.sink, authorize });
      const revoked = recordingSink();
      await small.open({ accountId, credential: 'apiKey:b', sink: revoked.sink, authorize: async () => allowed });
      await small.open({ accountId, credential: 'apiKey:a', sink: recordingSink().sink });
      await expect(small.open({ accountId, credential: 'apiKey:a', sink: recordingSink().sink })).rejects.toMatchObject({ limit: 'credential', max: 2 });
      await expect(small.open({ accountId, credential: 'apiKey:c', sink: recordingSink().sink })).rejects.toMatchObject({ limit: 'account', max: 3 });
      expect(small.size()).toBe(3);

      // The key that opened two of them is revoked: the next heartbeat ends both (the third has no check).
      allowed = false;
      await vi.waitFor(() => expect(revoked.isEnded() && first.isEnded()).toBe(true), WAIT);
      expect(small.size()).toBe(1);
      // A stream refused once subscribed takes no slot either.
      await expect(small.open({ accountId, credential: 'apiKey:c', sink: recordingSink().sink, authorize })).rejects.toBeInstanceOf(LiveAccessRefusedError);
      allowed = true;
      await small.open({ accountId, credential: 'apiKey:c', sink: recordingSink().sink });
      await small.open({ accountId, credential: 'apiKey:c', sink: recordingSink().sink });
      await expect(small.open({ accountId, credential: 'apiKey:d', sink: recordingSink().sink })).rejects.toBeInstanceOf(LiveStreamLimitError);
      closing.close(); // already ended: frees nothing twice
      expect(small.size()).toBe(3);
    } finally {
      await small.close();
    }
    await expect(small.open({ accountId: randomUUID(), sink: recordingSink().sink })).rejects.toThrow(/closed/);
    expect(small.size()).toBe(0);
  });

  it('a stream whose client stops taking what it is sent is ended past the limit, once; one that takes it is not', async () => {
    const small = smallHub();
    try {
      const accountId = randomUUID();
      /** A sink whose client takes everything (`reading`) or nothing. */
      function client(reading: boolean) {
        const recorded = recordingSink();
        let unsent = 0;
        const sink: LiveSink = { ...recorded.sink, write: (text) => {
          recorded.sink.write(text);
          if (!reading) unsent += Buffer.byteLength(text);
        }, unsentBytes: () => unsent };
        return { ...recorded, sink, unsent: () => unsent };
      }
      const stalled = client(false);
      const reading = client(true);
      // The opening (`retry`, `ready`, a replay) is not counted: the client has not had a chance to read yet.
      await small.open({ accountId, sink: stalled.sink });
      await small.open({ accountId, sink: reading.sink });
      for (const leadId of ['a-lead-id-long-enough-to-pass-the-limit', 'next']) await publishLead(accountId, leadId);
      await vi.waitFor(() => expect(reading.leadIds()).toEqual(['a-lead-id-long-enough-to-pass-the-limit', 'next']), WAIT);
      expect(stalled.isEnded()).toBe(true);
      expect(stalled.leadIds()).toEqual(['a-lead-id-long-enough-to-pass-the-limit']);
      expect(stalled.unsent()).toBeGreaterThan(100);
      expect(reading.isEnded()).toBe(false);
      expect(small.size()).toBe(1);
    } finally {
      await small.close();
    }
  });
});
