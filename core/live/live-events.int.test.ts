// A publisher that could not publish an account's events owes that account a `reset`, and
// publishes it (into the backlog and on the channel, like any event) once Redis answers again;
// past a bound it owes every account with an open stream. Nothing extra is published while
// nothing fails. A throwaway redis-server, stopped mid-test; the shared one is never touched.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createQueuePrefix } from '#test/db.ts';
import { WAIT } from '#test/env.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '#test/redis-server.ts';
import { createLogger } from '../logger.ts';
import { closeRedis, createRedis, createRequestRedis, waitForRedis } from '../redis.ts';
import { createLivePublisher, liveChannel, liveStreamKey, type LivePublisher } from './live-events.ts';

const logger = createLogger({ level: 'silent', name: 'live-events-test' });
let server: ThrowawayRedis;
/** Connections a test opened, closed after it. */
const opened: Redis[] = [];

beforeAll(async () => {
  server = await startThrowawayRedis();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => closeRedis(r)));
});
afterAll(async () => {
  await server?.stop();
});

/**
 * A publisher on its own fail-fast connection, under its own prefix. Its retry timer is set far
 * out: these tests pay the debt themselves (publishOwedResets, the next publish) at the moment they
 * choose — a timer firing right after the restart would pay before a subscriber listens. The
 * timer's own path is live-outage.int.test.ts's frozen-Redis case.
 */
async function newPublisher(owedResetsMax?: number): Promise<{ publisher: LivePublisher; redis: Redis; prefix: string }> {
  const redis = createRequestRedis(server.url, { name: 'live-events-test' });
  redis.on('error', () => undefined); // refused while the server is stopped: expected here
  opened.push(redis);
  await waitForRedis(redis, 5000);
  const prefix = createQueuePrefix();
  return { publisher: createLivePublisher({ redis, prefix, log: logger, owedResetsMax, retryMs: 10 * 60_000 }), redis, prefix };
}

/** The types in the account's backlog, oldest first. */
async function backlog(redis: Redis, prefix: string, accountId: string): Promise<string[]> {
  const entries = await redis.xrange(liveStreamKey(prefix, accountId), '-', '+');
  return entries.map(([, fields]) => fields[fields.indexOf('t') + 1]);
}

const created = (leadId: string) => [{ type: 'lead.created' as const, data: { leadId } }];

/** Stops the server; resolves once the publisher's connection has noticed. */
async function stopRedis(redis: Redis): Promise<void> {
  await server.stop();
  await vi.waitFor(() => expect(redis.status).not.toBe('ready'), WAIT);
}

async function restartRedis(redis: Redis): Promise<void> {
  await server.start();
  await waitForRedis(redis, 10_000);
}

describe('a live publisher whose publish failed', () => {
  it('publishes nothing but the events while nothing fails', async () => {
    const { publisher, redis, prefix } = await newPublisher();
    const account = randomUUID();
    await redis.config('RESETSTAT');
    await publisher.publish(account, created('l1'));
    await publisher.publish(account, created('l2'));
    expect(await publisher.publishOwedResets()).toBe(0);
    // One script per event and nothing else: no probe, no reset (only this test's own commands).
    const calls = Object.fromEntries([...(await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map(([, name, n]) => [name, Number(n)]));
    expect(calls).toEqual({ 'config|resetstat': 1, eval: 2, xadd: 2, pexpire: 2, publish: 2 });
    expect(await backlog(redis, prefix, account)).toEqual(['lead.created', 'lead.created']);
  });

  it('owes the failed accounts a reset, publishes it once Redis is back, then owes nothing', { timeout: 30_000 }, async () => {
    const { publisher, redis, prefix } = await newPublisher();
    const [a, b, untouched] = [randomUUID(), randomUUID(), randomUUID()];
    await publisher.publish(untouched, created('before'));
    await stopRedis(redis);
    await publisher.publish(a, created('lost-a')); // refused at once: never published
    await publisher.publish(b, created('lost-b'));
    expect(await publisher.publishOwedResets()).toBe(0); // Redis still away: still owed

    await restartRedis(redis);
    // A subscriber (an API process's hub) hears the reset on the account's channel.
    const subscriber = createRedis(server.url, { name: 'live-events-test-sub' });
    opened.push(subscriber);
    const heard: string[] = [];
    subscriber.on('message', (_channel, message) => heard.push(JSON.parse(message).type));
    await subscriber.subscribe(liveChannel(prefix, a));
    await publisher.publishOwedResets();
    await vi.waitFor(async () => {
      expect(await backlog(redis, prefix, a)).toEqual(['reset']);
      expect(await backlog(redis, prefix, b)).toEqual(['reset']);
    }, WAIT);
    // The restarted Redis (no persistence) lost the backlog; an untouched account gets nothing.
    expect(await backlog(redis, prefix, untouched)).toEqual([]);

    // Paid: nothing more is owed, and the next publish is just that.
    expect(await publisher.publishOwedResets()).toBe(0);
    await publisher.publish(a, created('after'));
    expect(await backlog(redis, prefix, a)).toEqual(['reset', 'lead.created']);
    await vi.waitFor(() => expect(heard).toEqual(['reset', 'lead.created']), WAIT);
  });

  it('holds its own debt: another publisher on the same connection owes nothing (one publisher per process: the API app\'s, the worker runtime\'s)', { timeout: 30_000 }, async () => {
    const { publisher, redis, prefix } = await newPublisher();
    const account = randomUUID();
    await stopRedis(redis);
    await publisher.publish(account, created('lost'));
    await restartRedis(redis);
    const other = createLivePublisher({ redis, prefix, log: logger });
    await other.publish(account, created('next'));
    expect(await other.publishOwedResets()).toBe(0);
    expect(await backlog(redis, prefix, account)).toEqual(['lead.created']);
    // The one that failed pays at its next publish.
    await publisher.publish(randomUUID(), created('elsewhere'));
    await vi.waitFor(async () => expect(await backlog(redis, prefix, account)).toEqual(['lead.created', 'reset']), WAIT);
    expect(await publisher.publishOwedResets()).toBe(0);
  });

  it('past its bound, resets every account with an open stream, and the ones it remembered', { timeout: 30_000 }, async () => {
    const { publisher, redis, prefix } = await newPublisher(2);
    const [a, b, c, open, closed] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await stopRedis(redis);
    for (const account of [a, b, c]) await publisher.publish(account, created(`lost-${account}`));

    await restartRedis(redis);
    // `open` has a stream somewhere (its channel has a subscriber); `closed` has none.
    const subscriber = createRedis(server.url, { name: 'live-events-test-sub' });
    opened.push(subscriber);
    await subscriber.subscribe(liveChannel(prefix, open));
    await publisher.publishOwedResets();
    await vi.waitFor(async () => {
      for (const account of [a, b, open]) expect(await backlog(redis, prefix, account)).toEqual(['reset']);
    }, WAIT);
    // Not remembered (past the bound) and no open stream: nobody to tell.
    expect(await backlog(redis, prefix, c)).toEqual([]);
    expect(await backlog(redis, prefix, closed)).toEqual([]);
    expect(await publisher.publishOwedResets()).toBe(0);
  });
});
