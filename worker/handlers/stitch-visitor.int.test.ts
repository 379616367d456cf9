import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findUnstitchedVisitors } from '#core/events/find-unstitched-visitors.ts';
import { stitchVisitor } from '#core/events/stitch-visitor.ts';
import { JOBS } from '#core/jobs/jobs.ts';
import { createWakeup, enqueueAfterCommit } from '#core/jobs/wakeup.ts';
import { createLogger } from '#core/logger.ts';
import { createRedis } from '#core/redis.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { makeEvents, makeLead, makeRealtor, makeSite, makeVisitor } from '#test/factories.ts';
import { WAIT } from '#test/env.ts';
import { startWorkerRuntime, type WorkerRuntime } from '../runtime.ts';
import { stitchVisitorHandler } from './stitch-visitor.handler.ts';

const ORIGIN = 'https://homes.example';
let server: TestServer;
let siteId: string;
let siteKey: string;
let userId: string;

/** Inserts `n` page views of a visitor (anonymous unless `leadId` is given) and the visitor itself. */
async function seedEvents(visitorId: string, n: number, leadId: string | null = null) {
  const now = Date.now();
  await makeEvents(
    server,
    Array.from({ length: n }, (_, k) => ({ siteId, visitorId, leadId, type: 'page_view', value: `/listings/${(k + 1) % 40}`, at: new Date(now - (k + 1) * 1000) })),
  );
  // A visitor seeded with its lead is already stitched.
  await makeVisitor(server, { siteId, visitorId, leadId, stitchedAt: leadId ? new Date(now) : null });
}

async function createLead(email: string): Promise<string> {
  return (await makeLead(server, { userId, siteId, name: null, email, contactInfo: email })).leadId;
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
  const owner = await makeRealtor(server);
  userId = owner.userId;
  ({ siteId, publicKey: siteKey } = await makeSite(owner, { name: 'Oak Realty', allowedOrigins: [ORIGIN] }));
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
      body: JSON.stringify({ site: siteKey, id: randomUUID(), visitor, email: 'form@example.com', message: 'Hello', consent: true }),
    });
    expect(res.status).toBe(202);
    const [lead] = await server.sql<any>("select lead_id from leads where email = 'form@example.com'");
    const stitched = await vi.waitFor(async () => {
      const found = (await server.sql<any>('select stitched_at from visitors where site_id = $1 and visitor_id = $2', [siteId, visitor]))[0]?.stitched_at;
      expect(found, 'the stitch job').toBeTruthy();
      return found!;
    }, { ...WAIT, timeout: 15_000 });
    expect(stitched).toBeInstanceOf(Date);
    expect(await countByLead(visitor)).toEqual({ [lead.lead_id]: 6_000 });
  });

  it('re-runs safely when the sweeper enqueues a visitor again', async () => {
    const [row] = await server.sql<any>("select v.visitor_id from visitors v join leads l using (lead_id) where l.email = 'form@example.com'");
    // The first stitch job commits before BullMQ removes it: while it still holds its id, a new add
    // under that id is a no-op (the sweeper's next pass would catch it). Let it leave first.
    const jobId = JOBS.stitchVisitor.jobId({ siteId, visitorId: row.visitor_id });
    await vi.waitFor(async () => expect(await server.queues.leads.getJob(jobId), 'the first stitch job gone').toBeUndefined(), WAIT);
    await server.sql('update visitors set stitched_at = null where site_id = $1 and visitor_id = $2', [siteId, row.visitor_id]);
    const unstitched = await findUnstitchedVisitors(server.orm.em.fork() as EntityManager, 10);
    expect(unstitched.map((u) => u.visitorId)).toContain(row.visitor_id);
    const wakeups = unstitched.map((u) => createWakeup('stitchVisitor', { siteId: u.siteId, visitorId: u.visitorId }));
    await enqueueAfterCommit(server.queues, wakeups, createLogger({ level: 'silent', name: 'sweep-test' }));
    await vi.waitFor(async () => expect((await findUnstitchedVisitors(server.orm.em.fork() as EntityManager, 10)).length, 'the re-enqueued stitch job').toBe(0), { ...WAIT, timeout: 15_000 });
    expect(Object.values(await countByLead(row.visitor_id))).toEqual([6_000]);
  });
});
