// A rules change rescoring every lead of one realtor in the background (`leads.rescore-all`), on
// real Postgres, Redis and BullMQ: progress, tenant isolation, superseded versions, a failed job
// finished by the sweeper, and a real `worker/main.ts` process killed at a batch the test holds.

import { UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JOBS } from '#core/jobs/jobs.ts';
import { enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { markLeadsForRescore } from '#core/leads/mark-for-rescore.ts';
import type { ScoreBreakdown } from '#core/leads/lead.entity.ts';
import { createLogger } from '#core/logger.ts';
import { createRedis } from '#core/redis.ts';
import { computeScore, type ScoringActivity } from '#core/scoring/compute-score.ts';
import { LEAD_HOT_EVENT } from '#core/scoring/record-lead-hot.ts';
import { RESCORE_BATCH_SIZE } from '#core/scoring/rescore-user-leads.ts';
import { parseScoringRules, type ScoringRulesInput } from '#core/scoring/scoring-rules.ts';
import { DAY_MS } from '#core/shared/time.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { type EventSeed, type InquirySeed, makeEvents, makeInquiries, makeLeads, makeRealtor, makeSite } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';
import { FAST_RECOVERY_ENV, findLog, type NodeProcess, spawnNode, stopAll, waitForLog, workerEnv } from '#test/process.ts';
import { WAIT } from '#test/env.ts';
import { runMaintenanceJob } from '#test/worker.ts';
import { defineHandler, type HandlerTable } from '../handler.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../runtime.ts';
import { HANDLERS, QUEUE_CONCURRENCY, SCHEDULES } from './index.ts';

const ORIGIN = 'https://homes.example';

let server: TestServer;

interface Realtor {
  client: ApiClient;
  userId: string;
  siteId: string;
}

async function createRealtor(): Promise<Realtor> {
  const realtor = await makeRealtor(server);
  const { siteId } = await makeSite(realtor, { name: 'Realty', allowedOrigins: [ORIGIN] });
  return { client: realtor.client, userId: realtor.userId, siteId };
}

/**
 * `n` leads with varied histories over the last 30 days (listing views, tools, showings, saved
 * listings, inquiries), already scored under the defaults (version 0), as a realtor who has been
 * using Porchlight for a while would have them.
 */
async function seedLeads(realtor: Realtor, n: number, tag: string): Promise<void> {
  const now = Date.now();
  const ago = ({ days = 0, hours = 0, minutes = 0 }) => new Date(now - days * DAY_MS - hours * 3_600_000 - minutes * 60_000);
  const scoredAt = new Date(now);
  const leadIds = await makeLeads(
    server,
    Array.from({ length: n }, (_, k) => {
      const email = `${tag}-${k + 1}@example.com`;
      return {
        userId: realtor.userId, siteId: realtor.siteId, name: null, email, contactInfo: email, score: 0, scoreBand: 'cold' as const,
        scoreBreakdown: { rulesVersion: 0, signals: [], computedAt: scoredAt.toISOString() }, scoredAt,
      };
    }),
  );
  const events: EventSeed[] = [];
  const inquiries: InquirySeed[] = [];
  const on = (leadId: string, type: string, at: Date, more: Partial<EventSeed> = {}) => events.push({ siteId: realtor.siteId, leadId, type, at, ...more });
  leadIds.forEach((leadId, k) => {
    const i = k + 1;
    // Listing views: 1–4 views of one of five listings, spread over the last 20 days.
    for (let j = 1; j <= (i % 4) + 1; j++) on(leadId, 'page_view', ago({ days: i % 20, hours: j }), { listingRef: `l-${i % 5}` });
    // Page views without a listing, today.
    for (let j = 1; j <= 3; j++) on(leadId, 'page_view', ago({ minutes: j }), { value: '/about' });
    if (i % 3 === 0) on(leadId, 'tool_interaction', ago({ days: i % 10 }), { value: 'mortgage_calculator' });
    if (i % 4 === 0) on(leadId, 'showing_request', ago({ days: 1 }), { listingRef: 'l-1' });
    if (i % 2 === 0) on(leadId, 'save_listing', ago({ days: i % 7 }), { listingRef: 'l-2' });
    if (i % 5 === 0) inquiries.push({ leadId, message: 'Hello', createdAt: ago({ days: i % 15 }), siteId: realtor.siteId, source: 'manual' });
  });
  await makeEvents(server, events);
  await makeInquiries(server, inquiries);
}

type LeadState = { lead_id: string; score: number; score_band: string; score_breakdown: ScoreBreakdown | null; scored_at: Date | null; needs_rescore: boolean; xmin: string };

async function leadStates(userId: string): Promise<LeadState[]> {
  return server.sql<LeadState>(
    'select lead_id, score, score_band, score_breakdown, scored_at, needs_rescore, xmin::text from leads where user_id = $1 order by lead_id',
    [userId],
  );
}

/** The oracle: a lead's stored rows through the pure scoring function, with the given rules, at its scored_at. */
async function expectScoredWith(lead: LeadState, rules: ScoringRulesInput, version: number): Promise<void> {
  const events = await server.sql<{ event_type: string; event_value: string | null; listing_ref: string | null; event_date: Date }>(
    'select event_type, event_value, listing_ref, event_date from lead_analytics where lead_id = $1',
    [lead.lead_id],
  );
  const inquiries = await server.sql<{ created_at: Date }>('select created_at from inquiries where lead_id = $1', [lead.lead_id]);
  const activities: ScoringActivity[] = events.map((e) => ({ kind: 'event', type: e.event_type, value: e.event_value, listingRef: e.listing_ref, at: e.event_date }));
  const expected = computeScore({
    activities, inquiries: inquiries.map((i) => ({ kind: 'inquiry', at: i.created_at })),
    rules: parseScoringRules(rules), rulesVersion: version, now: lead.scored_at!,
  });
  expect({ score: lead.score, band: lead.score_band, breakdown: lead.score_breakdown }).toEqual({ score: expected.score, band: expected.band, breakdown: expected.breakdown });
}

/** Polls GET /v1/scoring-rules/rescore until the version's rescore finishes; returns every distinct reading. */
async function followProgress(client: ApiClient, version: number, opts: { timeoutMs?: number; until?: (p: any) => boolean } = {}) {
  const seen: Array<{ version: number; total: number; done: number; finishedAt: string | null }> = [];
  await vi.waitFor(async () => {
    const res = await client.get('/v1/scoring-rules/rescore');
    expect(res.status).toBe(200);
    const p = res.body;
    const last = seen.at(-1);
    if (!last || last.done !== p.done || last.finishedAt !== p.finishedAt || last.version !== p.version) seen.push(p);
    expect(p.version === version && (opts.until ? opts.until(p) : p.finishedAt !== null), `the rescore of version ${version}`).toBe(true);
  }, { ...WAIT, timeout: opts.timeoutMs ?? 30_000, interval: 25 });
  return seen;
}

/**
 * An in-process worker on the test server's queues. Its stalled-job check runs as often as the
 * killed worker's below (FAST_RECOVERY_ENV): BullMQ lets one check per queue run per interval, by
 * a Redis key that expires after the interval of the worker that ran it, so an in-process worker
 * on the default 30 s left that key behind and the worker started after the SIGKILL could not
 * take the dead one's job until it expired (the kill test took 30 s instead of 6).
 */
function silentRuntime(connection: Redis, handlers: Partial<HandlerTable> = HANDLERS, now?: () => Date): Promise<WorkerRuntime> {
  return startWorkerRuntime({
    config: { ...server.config, WORKER_STALLED_INTERVAL_MS: Number(FAST_RECOVERY_ENV.WORKER_STALLED_INTERVAL_MS) }, orm: server.orm, connection, queues: server.queues,
    logger: createLogger({ level: 'silent', name: 'rescore-test' }), handlers, now, concurrency: QUEUE_CONCURRENCY,
  });
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => closeAll(server));

describe('a rules change (PUT /v1/scoring-rules) on an in-process worker', () => {
  let connection: Redis;
  let runtime: WorkerRuntime;
  let agent: Realtor;
  let bystander: Realtor;
  beforeAll(async () => {
    agent = await createRealtor();
    bystander = await createRealtor();
    await seedLeads(agent, 2000, 'agent');
    await seedLeads(bystander, 150, 'bystander');
    connection = createRedis(server.config.REDIS_URL, { name: 'rescore-test-worker' });
    runtime = await silentRuntime(connection);
  });
  afterAll(async () => {
    await runtime?.close();
    await connection?.quit();
  });

  it('rescores all 2,000 leads of that realtor in the background with visible progress, and no other realtor’s', { timeout: 90_000 }, async () => {
    const bystanderBefore = await leadStates(bystander.userId);
    const rules: ScoringRulesInput = { weights: { mortgageTool: 30, showingRequest: 25 }, bands: { hot: 50, warm: 20 } };
    const put = await agent.client.put('/v1/scoring-rules', { rules });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 1, rescore: { version: 1, total: 2000, finishedAt: null } });
    expect(put.body.rules.weights.mortgageTool).toBe(30);

    const seen = await followProgress(agent.client, 1, { timeoutMs: 60_000 });
    const dones = seen.map((p) => p.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b)); // never goes backwards
    expect(dones.some((d) => d > 0 && d < 2000)).toBe(true); // partial progress was visible
    expect(seen.at(-1)).toMatchObject({ version: 1, total: 2000, done: 2000 });

    const after = await leadStates(agent.userId);
    expect(after).toHaveLength(2000);
    expect(after.filter((l) => l.score_breakdown?.rulesVersion !== 1)).toEqual([]);
    expect(after.filter((l) => l.needs_rescore)).toEqual([]);
    for (const lead of after.filter((_, i) => i % 40 === 0)) await expectScoredWith(lead, rules, 1);
    const bands = new Set(after.map((l) => l.score_band));
    expect(bands).toEqual(new Set(['hot', 'warm', 'cold']));
    // Leads that turned hot because the realtor redefined "hot" get no lead.hot and no reminder.
    const [{ n: hotMessages }] = await server.sql<{ n: number }>('select count(*)::int as n from webhook_messages where user_id = $1 and event_type = $2', [agent.userId, LEAD_HOT_EVENT]);
    expect(hotMessages).toBe(0);
    const [{ n: reminders }] = await server.sql<{ n: number }>("select count(*)::int as n from follow_up_reminders where user_id = $1 and kind = 'auto'", [agent.userId]);
    expect(reminders).toBe(0);

    // The other realtor's rows were not even written.
    expect(await leadStates(bystander.userId)).toEqual(bystanderBefore);
    const other = await bystander.client.get('/v1/scoring-rules/rescore');
    expect(other.body).toEqual({ version: 0, total: 0, done: 0, finishedAt: null, idleMs: null });
  });

  it('a version saved while the previous one is rescoring supersedes it; every lead ends on the newest', async () => {
    const v2: ScoringRulesInput = { weights: { savedListing: 20 } };
    const v3: ScoringRulesInput = { weights: { savedListing: 5 }, halfLifeDays: 7 };
    expect((await agent.client.put('/v1/scoring-rules', { rules: v2 })).status).toBe(200);
    await followProgress(agent.client, 2, { until: (p) => p.done > 0 || p.finishedAt !== null });
    expect((await agent.client.put('/v1/scoring-rules', { rules: v3 })).body.version).toBe(3);
    await followProgress(agent.client, 3);
    const [v2Row] = await server.sql<{ rescore_finished_at: Date | null }>('select rescore_finished_at from scoring_rules where user_id = $1 and version = 2', [agent.userId]);
    await vi.waitFor(async () => expect((await server.sql<any>('select rescore_finished_at from scoring_rules where user_id = $1 and version = 2', [agent.userId]))[0].rescore_finished_at, 'version 2 marked finished (superseded)').toBeTruthy(), WAIT);
    expect(v2Row).toBeDefined();
    const after = await leadStates(agent.userId);
    expect(after.filter((l) => l.score_breakdown?.rulesVersion !== 3)).toEqual([]);
    for (const lead of after.filter((_, i) => i % 100 === 7)) await expectScoredWith(lead, v3, 3);
  });
});

describe('a rescore whose job failed for good', () => {
  it('is re-enqueued by the sweeper and finishes', async () => {
    const agent = await createRealtor();
    await seedLeads(agent, 300, 'failed');
    // A worker whose rescore handler fails permanently (a bug, an outage past its retries)…
    const brokenConnection = createRedis(server.config.REDIS_URL, { name: 'rescore-test-broken' });
    const broken = await silentRuntime(brokenConnection, {
      rescoreUser: defineHandler('rescoreUser', async () => {
        throw new UnrecoverableError('simulated permanent failure');
      }),
    });
    let jobState: string;
    try {
      expect((await agent.client.put('/v1/scoring-rules', { rules: { weights: { pageView: 2 } } })).status).toBe(200);
      jobState = await vi.waitFor(async () => {
        const state = await server.queues.rescore.getJobState(JOBS.rescoreUser.jobId({ userId: agent.userId, version: 1 }));
        expect(state, 'the rescore job failed').toBe('failed');
        return state;
      }, WAIT);
    } finally {
      await broken.close();
      await brokenConnection.quit();
    }
    expect(jobState).toBe('failed');
    expect((await agent.client.get('/v1/scoring-rules/rescore')).body).toMatchObject({ version: 1, done: 0, finishedAt: null });

    // …then a healthy worker, whose sweeper runs a couple of minutes later (injected clock).
    const connection = createRedis(server.config.REDIS_URL, { name: 'rescore-test-healthy' });
    const runtime = await silentRuntime(connection, HANDLERS, () => new Date(Date.now() + 2 * 60_000));
    try {
      const sweep = (await runMaintenanceJob(server, 'sweep', 'sweep-after-failure')).returnvalue;
      expect(sweep.rescoreAll).toBeGreaterThanOrEqual(1);
      await followProgress(agent.client, 1, { timeoutMs: 15_000 });
    } finally {
      await runtime.close();
      await connection.quit();
    }
    const after = await leadStates(agent.userId);
    expect(after.filter((l) => l.score_breakdown?.rulesVersion !== 1)).toEqual([]);
  });
});

describe('rescores that cannot make progress', () => {
  it('hold only the rescore queue: a lead with new activity is still scored at once', async () => {
    // More realtors changing their rules at once than any queue runs jobs at a time.
    const realtors = await Promise.all(Array.from({ length: 5 }, () => createRealtor()));
    for (const [i, r] of realtors.entries()) await seedLeads(r, 3, `stuck${i}`);
    const live = await createRealtor();
    await seedLeads(live, 1, 'live');
    const [{ lead_id: liveLead }] = await server.sql<{ lead_id: string }>('select lead_id from leads where user_id = $1', [live.userId]);

    // A transaction of the test's own holds every lead of the five, so each rescore that starts waits on its first batch.
    const holder = new pg.Client({ connectionString: server.config.DATABASE_URL });
    await holder.connect();
    const connection = createRedis(server.config.REDIS_URL, { name: 'rescore-test-stuck' });
    let runtime: WorkerRuntime | undefined;
    try {
      await holder.query('begin');
      await holder.query('select lead_id from leads where user_id = any($1::uuid[]) order by lead_id for update', [realtors.map((r) => r.userId)]);
      const holderPid = (await holder.query('select pg_backend_pid() as pid')).rows[0].pid;
      runtime = await silentRuntime(connection);
      for (const r of realtors) expect((await r.client.put('/v1/scoring-rules', { rules: { weights: { pageView: 2 } } })).status).toBe(200);
      await vi.waitFor(async () => {
        const [{ n }] = await server.sql<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [holderPid]);
        expect(n, 'rescores blocked on the held leads').toBeGreaterThanOrEqual(QUEUE_CONCURRENCY.rescore!);
      }, { timeout: 30_000, interval: 25 });

      // New activity for another realtor's lead, as ingest records it: flagged, then its (debounced) job.
      await markLeadsForRescore(server.orm.em.fork() as EntityManager, [liveLead]).then((wakeups) => enqueueAfterCommit(server.queues, wakeups, createLogger({ level: 'silent', name: 'ingest-test' })));
      await vi.waitFor(async () => {
        const [lead] = await server.sql<{ needs_rescore: boolean; score: number }>('select needs_rescore, score from leads where lead_id = $1', [liveLead]);
        expect(lead, 'the live lead scored while the rescores wait').toMatchObject({ needs_rescore: false });
        expect(lead.score).toBeGreaterThan(0);
      }, { ...WAIT, timeout: 15_000 });
      const [{ n: stillHeld }] = await server.sql<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [holderPid]);
      expect(stillHeld).toBeGreaterThanOrEqual(QUEUE_CONCURRENCY.rescore!);

      await holder.query('rollback');
      for (const r of realtors) await followProgress(r.client, 1);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
      await runtime?.close();
      await connection.quit();
    }
  }, 60_000);
});

/**
 * `node worker/main.ts` — the real worker process — on this file's database and queue prefix, with
 * BullMQ's stall detection shortened from 30 s so a killed worker's job moves on in seconds.
 */
function spawnWorker(): NodeProcess {
  return spawnNode('worker/main.ts', workerEnv(server.config, FAST_RECOVERY_ENV));
}

describe('the real worker process killed mid-rescore', () => {
  const procs: NodeProcess[] = [];
  afterAll(async () => {
    await stopAll(procs);
  });

  it('SIGKILLed at a batch the test holds, a new process resumes and every lead converges on the new rules', async () => {
    const agent = await createRealtor();
    const N = 4000;
    const HELD_AT = 2 * RESCORE_BATCH_SIZE; // the third batch starts with the 401st lead
    await seedLeads(agent, N, 'killed');

    // The kill point: a transaction of the test's own locks the first lead of the third batch. The
    // worker commits every other batch (the batches in flight besides the held one carry on) and
    // then waits on that row alone — where it is killed.
    const holder = new pg.Client({ connectionString: server.config.DATABASE_URL });
    await holder.connect();
    let releaseHeld: (() => Promise<void>) | undefined;
    try {
      await holder.query('begin');
      // (Found first, then locked: FOR UPDATE under an OFFSET would lock the skipped rows too.)
      const [held] = (await holder.query(
        'select lead_id from leads where lead_id = (select lead_id from leads where user_id = $1 order by lead_id offset $2 limit 1) for update',
        [agent.userId, HELD_AT],
      )).rows;
      expect(held).toBeDefined();
      const holderPid = (await holder.query('select pg_backend_pid() as pid')).rows[0].pid;
      releaseHeld = async () => {
        await holder.query('rollback');
      };

      const first = spawnWorker();
      procs.push(first);
      await waitForLog(first, 'worker started');
      // The process registered its repeating jobs.
      const schedulers = await server.queues.maintenance.getJobSchedulers();
      expect(Object.fromEntries(schedulers.map((s) => [s.key, s.every]))).toEqual(
        Object.fromEntries(Object.entries(SCHEDULES).map(([key, everyMs]) => [JOBS[key as keyof typeof JOBS].name, everyMs])),
      );

      const rules: ScoringRulesInput = { weights: { listingView: 5, repeatListingBonus: 15 }, bands: { hot: 55, warm: 20 } };
      expect((await agent.client.put('/v1/scoring-rules', { rules })).status).toBe(200);
      // Wait until the worker is blocked on the held row (Postgres reports who waits on whom) and
      // every batch but that one has committed.
      await vi.waitFor(async () => {
        const [{ n }] = await server.sql<{ n: number }>('select count(*)::int as n from pg_stat_activity where $1 = any(pg_blocking_pids(pid))', [holderPid]);
        expect(n).toBe(1);
        expect((await agent.client.get('/v1/scoring-rules/rescore')).body).toMatchObject({ version: 1, total: N, done: N - RESCORE_BATCH_SIZE, finishedAt: null });
      }, { timeout: 30_000, interval: 25 });
      const onVersion1 = (await leadStates(agent.userId)).filter((l) => l.score_breakdown?.rulesVersion === 1);
      expect(onVersion1).toHaveLength(N - RESCORE_BATCH_SIZE);
      expect(onVersion1.map((l) => l.lead_id)).not.toContain(held.lead_id);

      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      // The dead worker's backend still waits on the row; once it gets it, its client is gone, so
      // its transaction is rolled back. The new worker may then have to wait for that batch's rows.
      await releaseHeld();
      releaseHeld = undefined;

      const second = spawnWorker();
      procs.push(second);
      await followProgress(agent.client, 1, { timeoutMs: 60_000 });
      const final = (await agent.client.get('/v1/scoring-rules/rescore')).body;
      expect(final).toMatchObject({ version: 1, total: N, done: N });
      const after = await leadStates(agent.userId);
      expect(after.filter((l) => l.score_breakdown?.rulesVersion !== 1)).toEqual([]);
      expect(after.filter((l) => l.needs_rescore)).toEqual([]);
      for (const lead of after.filter((_, i) => i % 80 === 3)) await expectScoredWith(lead, rules, 1);

      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
      // The job resumed where the committed work ended: only the held batch's leads, not yet on version 1.
      expect(findLog(second, 'rescore finished')).toMatchObject({ userId: agent.userId, version: 1, outcome: 'finished', scored: RESCORE_BATCH_SIZE });
    } finally {
      await releaseHeld?.();
      await holder.end();
    }
  }, 90_000);
});
