import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUnstitchedVisitors } from '#core/events/find-unstitched-visitors.ts';
import { stitchVisitor } from '#core/events/stitch-visitor.ts';
import { createWakeup, enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { createLogger } from '#core/logger.ts';
import { createRedis } from '#core/redis.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { waitFor } from '#test/wait.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../runtime.ts';
import { stitchVisitorHandler } from './stitch-visitor.handler.ts';

const ORIGIN = 'https://homes.example';
let server: TestServer;
let siteId: string;
let siteKey: string;
let userId: string;

/** Inserts `n` anonymous page views for a visitor in one statement. */
async function seedEvents(visitorId: string, n: number, leadId: string | null = null) {
  await server.sql(
    `insert into lead_analytics (analytic_id, lead_id, event_type, event_value, event_date, site_id, visitor_id, client_event_id)
     select gen_random_uuid(), $4, 'page_view', '/listings/' || (i % 40), now() - (i || ' seconds')::interval, $1, $2, gen_random_uuid()
     from generate_series(1, $3::int) as i`,
    [siteId, visitorId, n, leadId],
  );
  await server.sql(
    // A visitor seeded with its lead is already stitched.
    `insert into visitors (site_id, visitor_id, lead_id, stitched_at) values ($1, $2, $3, case when $3::uuid is null then null else now() end)
     on conflict (site_id, visitor_id) do nothing`,
    [siteId, visitorId, leadId],
  );
}

async function createLead(email: string): Promise<string> {
  const [row] = await server.sql<{ lead_id: string }>(
    `insert into leads (lead_id, user_id, site_id, email, contact_info) values (gen_random_uuid(), $1, $2, $3, $3) returning lead_id`,
    [userId, siteId, email],
  );
  return row.lead_id;
}

async function countByLead(visitorId: string) {
  const rows = await server.sql<{ lead_id: string | null; n: number }>(
    'select lead_id, count(*)::int as n from lead_analytics where site_id = $1 and visitor_id = $2 group by lead_id',
    [siteId, visitorId],
  );
  return Object.fromEntries(rows.map((r) => [r.lead_id ?? 'null', r.n]));
}

beforeAll(async () => {
  server = await startTestServer();
  const owner = new ApiClient(server.url);
  userId = (await owner.signUp()).userId;
  const site = (await owner.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ORIGIN] })).body;
  siteId = site.siteId;
  siteKey = site.publicKey;
});
afterAll(async () => {
  await server.close();
});

describe('stitching a visitor’s anonymous events to its lead', () => {
  it('stitches 12,000 events in bounded batches, is idempotent, and leaves other visitors alone', async () => {
    const visitor = 'v_big_history';
    const bystander = 'v_bystander';
    const otherLeadVisitor = 'v_other_lead';
    await seedEvents(visitor, 12_000);
    await seedEvents(bystander, 300);
    const otherLead = await createLead('other@example.com');
    await seedEvents(otherLeadVisitor, 50, otherLead);
    const lead = await createLead('big@example.com');
    await server.sql('update visitors set lead_id = $1 where site_id = $2 and visitor_id = $3', [lead, siteId, visitor]);
    expect(await findUnstitchedVisitors(server.orm.em.fork() as EntityManager, 100)).toEqual([{ siteId, visitorId: visitor, leadId: lead }]);

    const now = new Date();
    const em = server.orm.em.fork() as EntityManager;
    const first = await stitchVisitor({ em, siteId, visitorId: visitor, now, batchSize: 1000 });
    // The lead was flagged in the same transaction as stitched_at; its wake-up is returned for the caller to send.
    expect(first).toEqual({ leadId: lead, stitched: 12_000, batches: 12, wakeups: [createWakeup('scoreLead', { leadId: lead })] });
    expect(await countByLead(visitor)).toEqual({ [lead]: 12_000 });
    expect(await countByLead(bystander)).toEqual({ null: 300 });
    expect(await countByLead(otherLeadVisitor)).toEqual({ [otherLead]: 50 });
    const [v] = await server.sql<any>('select stitched_at from visitors where site_id = $1 and visitor_id = $2', [siteId, visitor]);
    expect(v.stitched_at.getTime()).toBe(now.getTime());
    const [leadRow] = await server.sql<any>('select needs_rescore from leads where lead_id = $1', [lead]);
    expect(leadRow.needs_rescore).toBe(true);
    expect(await findUnstitchedVisitors(server.orm.em.fork() as EntityManager, 100)).toEqual([]);

    const again = await stitchVisitor({ em: server.orm.em.fork() as EntityManager, siteId, visitorId: visitor, now, batchSize: 1000 });
    expect(again).toEqual({ leadId: lead, stitched: 0, batches: 0, wakeups: [] });
    expect(await countByLead(visitor)).toEqual({ [lead]: 12_000 });
  });

  it('does nothing for a visitor that is not linked to a lead', async () => {
    await seedEvents('v_anonymous', 10);
    const result = await stitchVisitor({ em: server.orm.em.fork() as EntityManager, siteId, visitorId: 'v_anonymous', now: new Date() });
    expect(result).toEqual({ leadId: null, stitched: 0, batches: 0, wakeups: [] });
    expect(await countByLead('v_anonymous')).toEqual({ null: 10 });
  });
});

describe('the leads.stitch job on a real BullMQ worker', () => {
  let connection: Redis;
  let runtime: WorkerRuntime;
  beforeAll(async () => {
    connection = createRedis(server.config.REDIS_URL, { name: 'stitch-test-worker' });
    runtime = await startWorkerRuntime({
      config: server.config, orm: server.orm, connection, queues: server.queues,
      logger: createLogger({ level: 'silent', name: 'worker-test' }),
      handlers: { stitchVisitor: stitchVisitorHandler },
    });
  });
  afterAll(async () => {
    await runtime.close();
    await connection.quit();
  });

  it('stitches the earlier events of a visitor who submits the form', async () => {
    const visitor = `v_${randomUUID().slice(0, 8)}`;
    await seedEvents(visitor, 6_000);
    const res = await fetch(`${server.url}/v1/inquiries`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: ORIGIN, 'user-agent': 'Mozilla/5.0 Chrome/131' },
      body: JSON.stringify({ site: siteKey, id: randomUUID(), visitor, email: 'form@example.com', message: 'Hello' }),
    });
    expect(res.status).toBe(202);
    const [lead] = await server.sql<any>("select lead_id from leads where email = 'form@example.com'");
    const stitched = await waitFor(
      async () => (await server.sql<any>('select stitched_at from visitors where site_id = $1 and visitor_id = $2', [siteId, visitor]))[0]?.stitched_at,
      { timeoutMs: 15_000, description: 'the stitch job' },
    );
    expect(stitched).toBeInstanceOf(Date);
    expect(await countByLead(visitor)).toEqual({ [lead.lead_id]: 6_000 });
  });

  it('re-runs safely when the sweeper enqueues a visitor again', async () => {
    const [row] = await server.sql<any>("select v.visitor_id from visitors v join leads l using (lead_id) where l.email = 'form@example.com'");
    await server.sql('update visitors set stitched_at = null where site_id = $1 and visitor_id = $2', [siteId, row.visitor_id]);
    const unstitched = await findUnstitchedVisitors(server.orm.em.fork() as EntityManager, 10);
    expect(unstitched.map((u) => u.visitorId)).toContain(row.visitor_id);
    const wakeups = unstitched.map((u) => createWakeup('stitchVisitor', { siteId: u.siteId, visitorId: u.visitorId }));
    await enqueueAfterCommit(server.queues, wakeups, createLogger({ level: 'silent', name: 'sweep-test' }));
    await waitFor(async () => (await findUnstitchedVisitors(server.orm.em.fork() as EntityManager, 10)).length === 0, { timeoutMs: 15_000, description: 'the re-enqueued stitch job' });
    expect(Object.values(await countByLead(row.visitor_id))).toEqual([6_000]);
  });
});
