// The realtor's scoring rules over real HTTP, Postgres and Redis: defaults as version 0, saving a
// new version (and the background rescore it starts), validation with issue paths, the preview
// that saves nothing, rescore progress, and tenant scoping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOBS } from '#core/jobs/jobs.ts';
import { findUnfinishedRescores } from '#core/scoring/manage-scoring-rules.ts';
import { rescoreUserLeads } from '#core/scoring/rescore-user-leads.ts';
import { DEFAULT_SCORING_RULES } from '#core/scoring/scoring-rules.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { makeEvents, makeInquiries, makeLead, makeLeads, makeRealtor } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { SWEEP_RESCORE_ALL_AFTER_MS } from '#worker/handlers/sweep.handler.ts';

let server: TestServer;

function newUser(): Promise<{ client: ApiClient; userId: string }> {
  return makeRealtor(server);
}

/** A lead with fresh activity: `inquiries` inquiries and events of the given types, a minute old. */
async function leadWithActivity(userId: string, siteId: string, activity: { inquiries?: number; events?: string[] }): Promise<string> {
  const { leadId } = await makeLead(server, { userId, siteId, name: 'Scored lead', lastActivityAt: new Date() });
  const minuteAgo = new Date(Date.now() - 60_000);
  await makeInquiries(server, Array.from({ length: activity.inquiries ?? 0 }, () => ({ leadId, message: 'Hi', source: 'manual' as const, createdAt: minuteAgo })));
  await makeEvents(server, (activity.events ?? []).map((type) => ({ leadId, type, siteId, at: minuteAgo })));
  return leadId;
}

async function savedVersions(userId: string): Promise<number[]> {
  return (await server.sql<{ version: number }>('select version from scoring_rules where user_id = $1 order by version', [userId])).map((r) => r.version);
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => closeAll(server));

describe('scoring rules', () => {
  let agent: ApiClient;
  let userId: string;
  const leads: Record<string, string> = {};

  beforeAll(async () => {
    ({ client: agent, userId } = await newUser());
    const siteId = (await agent.post('/v1/sites', { name: 'Scoring Realty' })).body.siteId;
    // Under the defaults (hot ≥ 60, warm ≥ 25): inquiry 40 → warm; inquiry + showing 55 → warm; nothing → cold; 3 page views → cold.
    leads.inquiry = await leadWithActivity(userId, siteId, { inquiries: 1 });
    leads.showing = await leadWithActivity(userId, siteId, { inquiries: 1, events: ['showing_request'] });
    leads.idle = await leadWithActivity(userId, siteId, {});
    leads.browsing = await leadWithActivity(userId, siteId, { events: ['page_view', 'page_view', 'page_view'] });
  });

  it('GET answers the built-in defaults as version 0 with no rescore', async () => {
    const res = await agent.get('/v1/scoring-rules');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ version: 0, rules: JSON.parse(JSON.stringify(DEFAULT_SCORING_RULES)), createdAt: null, rescore: null });
    const progress = await agent.get('/v1/scoring-rules/rescore');
    expect(progress.body).toEqual({ version: 0, total: 0, done: 0, finishedAt: null, idleMs: null });
  });

  it('preview counts band changes under proposed rules and saves nothing', async () => {
    const leadsBefore = await server.sql('select lead_id, score, score_band, needs_rescore, updated_at from leads where user_id = $1 order by lead_id', [userId]);
    const res = await agent.post('/v1/scoring-rules/preview', { rules: { bands: { hot: 50, warm: 2 } } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sampled: 4, cap: 5000, total: 4, changed: 2, byTransition: { 'warm→hot': 1, 'cold→warm': 1 } });

    const weights = await agent.post('/v1/scoring-rules/preview', { rules: { weights: { firstInquiry: 5, showingRequest: 5 } } });
    expect(weights.body).toMatchObject({ changed: 2, byTransition: { 'warm→cold': 2 } });
    const same = await agent.post('/v1/scoring-rules/preview', { rules: {} });
    expect(same.body).toMatchObject({ changed: 0, byTransition: {} });

    expect(await savedVersions(userId)).toEqual([]);
    expect(await server.sql('select lead_id, score, score_band, needs_rescore, updated_at from leads where user_id = $1 order by lead_id', [userId])).toEqual(leadsBefore);
    for (const queue of [server.queues.leads, server.queues.rescore]) expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, delayed: 0, active: 0 });
    expect((await agent.get('/v1/scoring-rules')).body.version).toBe(0);
  });

  it('PUT saves a new full version, answers its rescore progress and enqueues the background rescore', async () => {
    const res = await agent.put('/v1/scoring-rules', { rules: { bands: { hot: 50, warm: 2 }, weights: { pageView: 1.15 }, halfLifeDays: 7.3 } });
    expect(res.status).toBe(200);
    const expectedRules = { ...DEFAULT_SCORING_RULES, halfLifeDays: 7.3, bands: { hot: 50, warm: 2 }, weights: { ...DEFAULT_SCORING_RULES.weights, pageView: 1.15 } };
    expect(res.body).toEqual({ version: 1, rules: expectedRules, createdAt: expect.any(String), rescore: { version: 1, total: 4, done: 0, finishedAt: null, idleMs: expect.any(Number) }, unchanged: false });

    const [row] = await server.sql<Record<string, unknown>>('select * from scoring_rules where user_id = $1 and version = 1', [userId]);
    // Stored with the defaults filled in, so version 1 means the same thing forever.
    expect(row).toMatchObject({ rules: expectedRules, rescore_total: 4, rescore_done: 0, rescore_finished_at: null });
    expect((row.created_at as Date).toISOString()).toBe(res.body.createdAt);
    const job = await server.queues.rescore.getJob(JOBS.rescoreUser.jobId({ userId: userId, version: 1 }));
    expect(job?.name).toBe('leads.rescore-all');
    expect(job?.data).toEqual({ userId, version: 1 });

    // idleMs grows between the answers: any number (its value is tested below).
    const { unchanged: _, ...doc } = res.body;
    expect((await agent.get('/v1/scoring-rules')).body).toEqual({ ...doc, rescore: { ...doc.rescore, idleMs: expect.any(Number) } });
    expect((await agent.get('/v1/scoring-rules/rescore')).body).toEqual({ version: 1, total: 4, done: 0, finishedAt: null, idleMs: expect.any(Number) });

    // The preview now compares against version 1: the same proposal changes nothing.
    expect((await agent.post('/v1/scoring-rules/preview', { rules: expectedRules })).body).toMatchObject({ changed: 0 });
  });

  it('saving rules equal to the current version (defaults filled in) saves and rescores nothing, and says so', async () => {
    const current = (await agent.get('/v1/scoring-rules')).body;
    const jobsBefore = await server.queues.rescore.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed');
    // The same rules, written differently: only the changed keys, in another order.
    const res = await agent.put('/v1/scoring-rules', { rules: { weights: { pageView: 1.15 }, bands: { warm: 2, hot: 50 }, halfLifeDays: 7.3 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: current.version, unchanged: true, createdAt: current.createdAt });
    const [count] = await server.sql<{ n: number }>('select count(*)::int as n from scoring_rules where user_id = $1', [userId]);
    expect(count.n).toBe(1);
    expect(await server.queues.rescore.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed')).toBe(jobsBefore);
  });

  it('the progress endpoint follows the rescore as it advances and finishes', async () => {
    await server.sql('update scoring_rules set rescore_done = 3 where user_id = $1 and version = 1', [userId]);
    expect((await agent.get('/v1/scoring-rules/rescore')).body).toEqual({ version: 1, total: 4, done: 3, finishedAt: null, idleMs: expect.any(Number) });
    await server.sql("update scoring_rules set rescore_done = 4, rescore_finished_at = '2026-03-01T12:00:00.25Z' where user_id = $1 and version = 1", [userId]);
    expect((await agent.get('/v1/scoring-rules/rescore')).body).toEqual({ version: 1, total: 4, done: 4, finishedAt: '2026-03-01T12:00:00.250Z', idleMs: null });
    expect((await agent.get('/v1/scoring-rules')).body.rescore).toEqual({ version: 1, total: 4, done: 4, finishedAt: '2026-03-01T12:00:00.250Z', idleMs: null });
  });

  it('idleMs counts from the last progress by Postgres\'s clock: minutes for a stalled rescore, reset by a batch, null once finished', async () => {
    const { client, userId: stalledId } = await newUser();
    await makeLeads(server, [{ userId: stalledId }, { userId: stalledId }, { userId: stalledId }]);
    const saved = await client.put('/v1/scoring-rules', { rules: { bands: { hot: 70 } } });
    expect(saved.body.rescore).toMatchObject({ version: 1, total: 3, done: 0, finishedAt: null });
    expect(saved.body.rescore.idleMs).toBeLessThan(10_000);

    // No worker ran for five minutes: both answers say so at once, whoever asks and whenever.
    await server.sql("update scoring_rules set rescore_progressed_at = now() - interval '5 minutes' where user_id = $1", [stalledId]);
    expect((await client.get('/v1/scoring-rules/rescore')).body.idleMs).toBeGreaterThanOrEqual(300_000);
    expect((await client.get('/v1/scoring-rules')).body.rescore.idleMs).toBeGreaterThanOrEqual(300_000);

    // A job picked up again that finds nothing done yet has not moved the rescore; its first batch has.
    const idleAfterBatch: number[] = [];
    const run = await rescoreUserLeads({
      em: server.orm.em.fork(), userId: stalledId, version: 1, now: () => new Date(), config: server.config, batchSize: 1, concurrency: 1,
      onBatch: async ({ done }) => {
        const progress = (await client.get('/v1/scoring-rules/rescore')).body;
        expect(progress.done).toBe(done);
        idleAfterBatch.push(progress.idleMs);
        // Stalled again before the next batch: each batch resets it.
        await server.sql("update scoring_rules set rescore_progressed_at = now() - interval '5 minutes' where user_id = $1", [stalledId]);
      },
    });
    expect(run).toEqual({ outcome: 'finished', scored: 3 });
    expect(idleAfterBatch).toHaveLength(3);
    for (const idle of idleAfterBatch) expect(idle).toBeLessThan(10_000);
    expect((await client.get('/v1/scoring-rules/rescore')).body).toEqual({ version: 1, total: 3, done: 3, finishedAt: expect.any(String), idleMs: null });
    expect((await client.get('/v1/scoring-rules')).body.rescore.idleMs).toBeNull();
  });

  it('the sweeper re-sends a rescore only once it has not moved for SWEEP_RESCORE_ALL_AFTER_MS, however old its version', async () => {
    const { client, userId: sweptId } = await newUser();
    await makeLeads(server, [{ userId: sweptId }, { userId: sweptId }]);
    await client.put('/v1/scoring-rules', { rules: { bands: { hot: 72 } } });
    const swept = async () => (await findUnfinishedRescores(server.orm.em.fork(), { now: new Date(), olderThanMs: SWEEP_RESCORE_ALL_AFTER_MS, limit: 500 }))
      .filter((r) => r.userId === sweptId);
    // Saved ten minutes ago and still moving (a long rescore): left to its job.
    await server.sql("update scoring_rules set created_at = now() - interval '10 minutes', rescore_progressed_at = now() - interval '5 seconds' where user_id = $1", [sweptId]);
    expect(await swept()).toEqual([]);
    // No progress for two minutes: a lost job, re-sent.
    await server.sql("update scoring_rules set rescore_progressed_at = now() - interval '2 minutes' where user_id = $1", [sweptId]);
    expect(await swept()).toEqual([{ userId: sweptId, version: 1 }]);
    // Finished: nothing to re-send.
    await server.sql('update scoring_rules set rescore_finished_at = now() where user_id = $1', [sweptId]);
    expect(await swept()).toEqual([]);
  });

  it.each([
    ['finds what was counted already: no progress, the time stays', 1, false],
    ['finds a batch its counter missed (0 → 1 done): progress, the time moves', 0, true],
  ] as const)('a resumed rescore that %s', async (_label, doneBefore, moves) => {
    const { client, userId: resumedId } = await newUser();
    const [scored, held] = await makeLeads(server, [{ userId: resumedId }, { userId: resumedId }]);
    await client.put('/v1/scoring-rules', { rules: { bands: { hot: 71 } } });
    // One lead already on version 1 (a batch that committed before the worker died), then five minutes without a worker.
    await server.sql(`update leads set score_breakdown = '{"rulesVersion": 1}' where lead_id = $1`, [scored]);
    await server.sql("update scoring_rules set rescore_done = $2, rescore_progressed_at = now() - interval '5 minutes' where user_id = $1", [resumedId, doneBefore]);
    // The other lead is row-locked, so the resumed run recounts and then waits in its first batch.
    const lock = await server.pool.connect();
    try {
      await lock.query('begin');
      await lock.query('select 1 from leads where lead_id = $1 for update', [held]);
      const run = rescoreUserLeads({ em: server.orm.em.fork(), userId: resumedId, version: 1, now: () => new Date(), config: server.config, batchSize: 1, concurrency: 1 });
      await expect.poll(async () => (await server.sql<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      ))[0].n).toBe(1);
      const progress = (await client.get('/v1/scoring-rules/rescore')).body;
      expect(progress).toMatchObject({ done: 1, finishedAt: null });
      if (moves) expect(progress.idleMs).toBeLessThan(10_000);
      else expect(progress.idleMs).toBeGreaterThanOrEqual(300_000);
      await lock.query('commit');
      expect(await run).toEqual({ outcome: 'finished', scored: 1 });
    } finally {
      lock.release();
    }
  });

  it('versions are append-only; concurrent saves (a double-click, two tabs, a script) each get their own version', async () => {
    const caps = [15, 20, 30, 40, 50, 60];
    const results = await Promise.all(caps.map((pageViewDailyCap) => agent.put('/v1/scoring-rules', { rules: { pageViewDailyCap } })));
    expect(results.map((r) => r.status)).toEqual(caps.map(() => 200));
    expect(await savedVersions(userId)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // Each answer describes the version its own request saved.
    expect(results.map((r) => r.body.version).sort()).toEqual([2, 3, 4, 5, 6, 7]);
    for (const [i, cap] of caps.entries()) {
      const [saved] = await server.sql<{ rules: { pageViewDailyCap: number } }>('select rules from scoring_rules where user_id = $1 and version = $2', [userId, results[i].body.version]);
      expect(saved.rules.pageViewDailyCap).toBe(cap);
      expect(results[i].body.rules.pageViewDailyCap).toBe(cap);
      expect(results[i].body.rescore).toMatchObject({ version: results[i].body.version, total: 4 });
    }
    expect((await agent.get('/v1/scoring-rules')).body.version).toBe(7);
    for (let v = 2; v <= 7; v++) expect((await server.queues.rescore.getJob(JOBS.rescoreUser.jobId({ userId: userId, version: v })))?.data).toEqual({ userId, version: v });
  });

  it('refuses invalid rules with 400 and issue paths, on PUT and preview, saving nothing', async () => {
    const before = await savedVersions(userId);
    for (const [body, path] of [
      [{ rules: { bands: { hot: 20, warm: 30 } } }, 'rules.bands.hot'],
      [{ rules: { bands: { hot: 25, warm: 25 } } }, 'rules.bands.hot'],
      [{ rules: { bands: { hot: 101 } } }, 'rules.bands.hot'],
      [{ rules: { weights: { pageView: -1 } } }, 'rules.weights.pageView'],
      [{ rules: { weights: { pageView: 1.234 } } }, 'rules.weights.pageView'],
      [{ rules: { weights: { pageView: '1' } } }, 'rules.weights.pageView'],
      [{ rules: { weights: { repeatListingMinViews: 2.5 } } }, 'rules.weights.repeatListingMinViews'],
      [{ rules: { weights: { pageVeiw: 1 } } }, 'rules.weights'],
      [{ rules: { halfLifeDays: 0 } }, 'rules.halfLifeDays'],
      [{ rules: { halfLifeDays: 366 } }, 'rules.halfLifeDays'],
      [{ rules: { maxScore: 200 } }, 'rules.maxScore'],
      [{ rules: { bogus: true } }, 'rules'],
      [{ rules: null }, 'rules'],
      [{}, 'rules'],
      [{ rules: {}, version: 7 }, ''],
    ] as const) {
      for (const [method, path2] of [['PUT', '/v1/scoring-rules'], ['POST', '/v1/scoring-rules/preview']] as const) {
        const res = await agent.request(method, path2, { json: body });
        expect(res.status, `${method} ${JSON.stringify(body)}`).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        if (path) expect(res.body.error.details.map((d: { path: string }) => d.path), `${method} ${JSON.stringify(body)}`).toContain(path);
      }
    }
    const notJson = await agent.request('PUT', '/v1/scoring-rules', { raw: '{"rules":', contentType: 'application/json' });
    expect(notJson.status).toBe(400);
    expect(await savedVersions(userId)).toEqual(before);
  });

  it('a user without leads saves a version whose rescore is already finished, and no job is enqueued', async () => {
    const { client, userId: emptyId } = await newUser();
    const res = await client.put('/v1/scoring-rules', { rules: { bands: { hot: 70 } } });
    expect(res.status).toBe(200);
    expect(res.body.rescore).toEqual({ version: 1, total: 0, done: 0, finishedAt: res.body.createdAt, idleMs: null });
    expect(await server.queues.rescore.getJob(JOBS.rescoreUser.jobId({ userId: emptyId, version: 1 }))).toBeUndefined();
    expect((await client.post('/v1/scoring-rules/preview', { rules: { bands: { hot: 30 } } })).body).toEqual({ sampled: 0, cap: 5000, total: 0, changed: 0, byTransition: {} });
  });

  it('preview samples at most the 5,000 most recently active leads', async () => {
    const { client, userId: bigId } = await newUser();
    const siteId = (await client.post('/v1/sites', { name: 'Big Realty' })).body.siteId;
    const now = Date.now();
    await makeLeads(server, Array.from({ length: 5000 }, (_, i) => ({ userId: bigId, name: `Recent ${i + 1}`, lastActivityAt: new Date(now - (i + 1) * 1000) })));
    // The least recently active lead (never active) is left out, though it would change band.
    const stale = await leadWithActivity(bigId, siteId, { inquiries: 1 });
    await server.sql('update leads set last_activity_at = null where lead_id = $1', [stale]);
    const res = await client.post('/v1/scoring-rules/preview', { rules: { bands: { hot: 30, warm: 10 } } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sampled: 5000, cap: 5000, total: 5001, changed: 0, byTransition: {} });
    await server.sql("update leads set last_activity_at = now() + interval '1 minute' where lead_id = $1", [stale]);
    expect((await client.post('/v1/scoring-rules/preview', { rules: { bands: { hot: 30, warm: 10 } } })).body).toMatchObject({ sampled: 5000, changed: 1, byTransition: { 'warm→hot': 1 } });
  });

  it('rules are per user: another user sees the defaults, previews only their own leads, and versions independently', async () => {
    const { client: other, userId: otherId } = await newUser();
    expect((await other.get('/v1/scoring-rules')).body).toMatchObject({ version: 0, rules: JSON.parse(JSON.stringify(DEFAULT_SCORING_RULES)) });
    expect((await other.get('/v1/scoring-rules/rescore')).body).toEqual({ version: 0, total: 0, done: 0, finishedAt: null, idleMs: null });
    expect((await other.post('/v1/scoring-rules/preview', { rules: { bands: { hot: 50, warm: 2 } } })).body).toMatchObject({ sampled: 0, total: 0, changed: 0 });
    const saved = await other.put('/v1/scoring-rules', { rules: { halfLifeDays: 30 } });
    expect(saved.body.version).toBe(1);
    expect(await savedVersions(otherId)).toEqual([1]);
    expect((await agent.get('/v1/scoring-rules')).body.version).toBe(7);
  });

  it('works with an API key; needs a session or key; a cookie write needs the CSRF header', async () => {
    const key = (await agent.post('/v1/api-keys', { name: 'Rules bot' })).body.key;
    const bot = new ApiClient(server.url);
    bot.bearer = key;
    expect((await bot.get('/v1/scoring-rules')).body.version).toBe(7);
    expect((await bot.post('/v1/scoring-rules/preview', { rules: {} })).status).toBe(200);
    expect((await bot.put('/v1/scoring-rules', { rules: {} })).body.version).toBe(8);

    const anon = new ApiClient(server.url);
    for (const [method, path] of [['GET', '/v1/scoring-rules'], ['PUT', '/v1/scoring-rules'], ['POST', '/v1/scoring-rules/preview'], ['GET', '/v1/scoring-rules/rescore']] as const) {
      const res = await anon.request(method, path, method === 'GET' ? {} : { json: { rules: {} } });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    const noCsrf = await agent.request('PUT', '/v1/scoring-rules', { json: { rules: {} }, csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf_failed');
    expect((await agent.request('POST', '/v1/scoring-rules/preview', { json: { rules: {} }, csrf: false })).status).toBe(403);
    expect(await savedVersions(userId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
