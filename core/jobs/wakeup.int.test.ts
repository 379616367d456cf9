// Sending wake-ups on real Redis (and none at all): ids and options from the job definitions,
// best-effort delivery when Redis is unreachable, and the BullMQ behaviours the definitions rely
// on (no ':' in custom ids; one attempt for jobs whose retries Postgres governs).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { EntityManager } from '@mikro-orm/postgresql';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { findUnstitchedVisitors } from '../events/find-unstitched-visitors.ts';
import { recordEvents } from '../events/record-events.ts';
import { submitInquiry } from '../inquiries/submit-inquiry.ts';
import { findLeadsAwaitingRescore } from '../leads/find-leads-awaiting-rescore.ts';
import type { Logger } from '../logger.ts';
import { createRedis } from '../redis.ts';
import { defineJob, jobOptionsOf } from './define-job.ts';
import { JOBS, RESCORE_DEBOUNCE_MS } from './jobs.ts';
import { createQueues, type Queues } from './queues.ts';
import { createWakeup, enqueueAfterCommit } from './wakeup.ts';

const ORIGIN = 'https://homes.example';

let server: TestServer;
let siteKey: string;
let siteId: string;

/** A logger whose lines the test reads. */
function captureLogger(): { log: Logger; lines: Array<Record<string, any>> } {
  const lines: Array<Record<string, any>> = [];
  return { log: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }), lines };
}

/** Queues on a Redis that is not there: a port nothing listens on. */
async function unreachableQueues(): Promise<{ queues: Queues; close(): Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  const connection = createRedis(`redis://127.0.0.1:${port}`, { name: 'unreachable' });
  connection.on('error', () => undefined);
  const queues = createQueues(connection, server.config.QUEUE_PREFIX);
  for (const name of ['leads', 'reminders', 'webhooks', 'maintenance', 'rescore'] as const) queues[name].on('error', () => undefined);
  return {
    queues,
    async close() {
      connection.disconnect();
      await queues.close();
    },
  };
}

beforeAll(async () => {
  server = await startTestServer();
  const owner = new ApiClient(server.url);
  await owner.signUp();
  const site = (await owner.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ORIGIN] })).body;
  siteKey = site.publicKey;
  siteId = site.siteId;
});
afterAll(async () => {
  await server?.close();
});

describe('enqueueAfterCommit', () => {
  it('sends each wake-up once, with the id and options of its job definition', async () => {
    const { log, lines } = captureLogger();
    const leadId = randomUUID();
    const userId = randomUUID();
    const now = new Date();
    const result = await enqueueAfterCommit(server.queues, [
      createWakeup('scoreLead', { leadId }),
      createWakeup('scoreLead', { leadId }),
      createWakeup('stitchVisitor', { siteId, visitorId: 'v_once' }),
      createWakeup('rescoreUser', { userId, version: 1 }, { runAt: new Date(now.getTime() + 60_000) }),
    ], log, { now: () => now });
    expect(result).toEqual({ sent: 3, failed: 0 });
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);

    const score = (await server.queues.leads.getJob(JOBS.scoreLead.jobId({ leadId })))!;
    expect(score.name).toBe('leads.score');
    expect(score.data).toEqual({ leadId });
    expect(score.opts).toMatchObject({ delay: RESCORE_DEBOUNCE_MS, removeOnComplete: true, removeOnFail: true });
    const stitch = (await server.queues.leads.getJob(JOBS.stitchVisitor.jobId({ siteId, visitorId: 'v_once' })))!;
    expect(stitch.opts).toMatchObject({ removeOnComplete: true, removeOnFail: true });
    const rescore = (await server.queues.rescore.getJob(`rescore-${userId}-1`))!;
    expect(rescore.opts.delay).toBe(60_000);
    expect(await server.queues.leads.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 1, delayed: 1 });
    expect(await server.queues.rescore.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 1 });
    await server.queues.leads.obliterate({ force: true });
    await server.queues.rescore.obliterate({ force: true });
  });

  it('with Redis unreachable, gives up at its timeout and logs one warning per wake-up', async () => {
    const dead = await unreachableQueues();
    try {
      const { log, lines } = captureLogger();
      const leadId = randomUUID();
      // The queues' connection waits for Redis without limit (createRedis): only enqueueAfterCommit's
      // own timeout can end these sends, so resolving at all shows it fired — a hang would run into
      // the test's timeout — and each warning carries the timeout's error, not a connection error.
      const result = await enqueueAfterCommit(dead.queues, [createWakeup('scoreLead', { leadId }), createWakeup('stitchVisitor', { siteId, visitorId: 'v_dead' })], log, {
        timeoutMs: 300,
      });
      expect(result).toEqual({ sent: 0, failed: 2 });
      const warnings = lines.filter((l) => l.level === 40);
      expect(warnings.map((w) => w.err?.message)).toEqual(['no answer from Redis within 300 ms', 'no answer from Redis within 300 ms']);
      expect(warnings.map((w) => [w.job, w.jobId, w.msg])).toEqual([
        ['leads.score', `score-${leadId}`, 'could not enqueue leads.score; the sweeper will retry'],
        ['leads.stitch', `stitch-${siteId}-v_dead`, 'could not enqueue leads.stitch; the sweeper will retry'],
      ]);
    } finally {
      await dead.close();
    }
  });

  it('with Redis unreachable, an inquiry and an identify still commit, and their rows wait for the sweeper', async () => {
    const dead = await unreachableQueues();
    try {
      const { log, lines } = captureLogger();
      const em = () => server.orm.em.fork() as EntityManager;
      const now = new Date();
      const inquiry = await submitInquiry({
        em: em(), queues: dead.queues, origin: ORIGIN, userAgent: 'Mozilla/5.0', now, log, config: server.config,
        input: { site: siteKey, id: randomUUID(), visitor: 'v_offline', name: 'Dana', email: 'offline@example.com', message: 'Still available?', consent: true } as never,
      });
      expect(inquiry.outcome).toBe('stored');
      const events = await recordEvents({
        em: em(), queues: dead.queues, origin: ORIGIN, userAgent: 'Mozilla/5.0', now, log, config: server.config,
        input: { site: siteKey, visitor: 'v_offline_2', events: [{ id: randomUUID(), type: 'identify', props: { email: 'offline2@example.com' } }] } as never,
      });
      expect(events.outcome).toBe('stored');
      const all = lines.filter((l) => l.level === 40).map((l) => l.jobId).sort();
      // Plus the inquiry's "unanswered" reminder job (core/reminders), which the sweeper sends at its time,
      // and its email alert (core/notifications), an outbox row too.
      expect(all.filter((id) => id.startsWith('reminder-'))).toHaveLength(1);
      expect(all.filter((id) => id.startsWith('notify-'))).toHaveLength(1);
      const warned = all.filter((id) => !id.startsWith('reminder-') && !id.startsWith('notify-'));
      expect(warned).toEqual([
        `score-${events.leadId}`, `score-${inquiry.leadId}`, `stitch-${siteId}-v_offline`, `stitch-${siteId}-v_offline_2`,
      ].sort());

      // What the sweeper reads: both leads flagged, both visitors waiting for their stitch.
      const awaiting = await findLeadsAwaitingRescore(em(), { now: new Date(now.getTime() + 60_000), olderThanMs: 5_000, limit: 100 });
      expect(awaiting).toEqual(expect.arrayContaining([inquiry.leadId, events.leadId]));
      const unstitched = await findUnstitchedVisitors(em(), 100);
      expect(unstitched.map((v) => v.visitorId)).toEqual(expect.arrayContaining(['v_offline', 'v_offline_2']));
    } finally {
      await dead.close();
    }
  });
});

describe('what BullMQ does with the definitions', () => {
  it('refuses ":" in a custom job id (hence the dashes in every id)', async () => {
    await expect(server.queues.maintenance.add('maintenance.sweep', {}, { jobId: 'sweep:1' })).rejects.toThrow();
    await expect(server.queues.maintenance.add('maintenance.sweep', {}, { jobId: 'sweep-1' })).resolves.toBeTruthy();
    await server.queues.maintenance.obliterate({ force: true });
  });

  it('gives a job whose retries Postgres governs exactly one attempt; a default job is retried', async () => {
    const payload = z.object({ id: z.string() });
    const governed = defineJob({ queue: 'webhooks', name: 'test.governed', payload, jobId: ({ id }) => `governed-${id}`, retries: 'postgres' });
    const retried = defineJob({ queue: 'webhooks', name: 'test.retried', payload, jobId: ({ id }) => `retried-${id}` });
    const connection: Redis = createRedis(server.config.REDIS_URL, { name: 'retries-test' });
    const failures: Job[] = [];
    const worker = new Worker('webhooks', async () => {
      throw new Error('receiver down');
    }, { connection, prefix: server.config.QUEUE_PREFIX });
    worker.on('failed', (job) => job && failures.push(job));
    try {
      for (const def of [governed, retried]) await server.queues.webhooks.add(def.name, { id: 'a' }, { ...jobOptionsOf(def), jobId: def.jobId({ id: 'a' }) });
      await vi.waitFor(() => expect(failures.map((j) => j.name).sort()).toEqual(['test.governed', 'test.retried']), { timeout: 10_000 });
      expect(await server.queues.webhooks.getJobState('governed-a')).toBe('failed');
      expect((await server.queues.webhooks.getJob('governed-a'))!.attemptsMade).toBe(1);
      // The default job waits for its BullMQ retry instead.
      expect(await server.queues.webhooks.getJobState('retried-a')).toBe('delayed');
    } finally {
      await worker.close();
      await connection.quit();
      await server.queues.webhooks.obliterate({ force: true });
    }
  });
});
