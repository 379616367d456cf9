// Postgres unreachable for a few seconds under a live API and worker (real processes, a
// throwaway cluster on its own port — the shared one is never touched): every write answers 503
// with Retry-After, never a 202 that was not committed and never a 500; when Postgres is back the
// same processes serve again without a restart, and every accepted event is in the database.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrateDatabase } from '#core/db/migrate.ts';
import pg from 'pg';
import { createQueuePrefix } from '#test/db.ts';
import { TEST_REDIS_URL, WAIT } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { startThrowawayPostgres, type ThrowawayPostgres } from '#test/pg-server.ts';
import { type NodeProcess, spawnNode, stopAll, waitForLog } from '#test/process.ts';

const ORIGIN = 'https://outage.example';
const nextIp = ipSource(31);

let cluster: ThrowawayPostgres;
let pool: pg.Pool;
let api: NodeProcess;
let worker: NodeProcess;
let url: string;
const procs: NodeProcess[] = [];

beforeAll(async () => {
  cluster = await startThrowawayPostgres();
  const databaseUrl = cluster.url('porchlight');
  await migrateDatabase(databaseUrl);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => undefined); // its idle client is cut off by the outage
  const env = {
    NODE_ENV: 'test', DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(),
    LOG_LEVEL: 'info', TRUST_PROXY: 'true', WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000',
  };
  api = spawnNode('api/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1' });
  worker = spawnNode('worker/main.ts', env);
  procs.push(api, worker);
  const { port } = await waitForLog(api, 'api listening');
  url = `http://127.0.0.1:${port}`;
  await waitForLog(worker, 'worker started');
}, 120_000);

afterAll(async () => {
  await stopAll(procs);
  await pool?.end();
  await cluster?.destroy();
});

const collect = (siteKey: string, eventId: string) =>
  sendIngest(`${url}/v1/collect`, { site: siteKey, visitor: 'v_outage', events: [{ id: eventId, type: 'page_view', url: `${ORIGIN}/l/1`, ts: Date.now() }] }, { defaultOrigin: ORIGIN, nextIp });
const inquire = (siteKey: string, email: string) =>
  sendIngest(`${url}/v1/inquiries`, { site: siteKey, id: randomUUID(), visitor: `v_${randomUUID().slice(0, 8)}`, name: 'Dana', email, message: 'Still available?', consent: true, hp: '' }, { defaultOrigin: ORIGIN, nextIp });

describe('Postgres unreachable for a few seconds', () => {
  it('writes answer 503 + Retry-After (no false 202, no 500); the same API and worker recover without a restart', { timeout: 180_000 }, async () => {
    const realtor = new ApiClient(url);
    const { email, password } = await realtor.signUp();
    const site = (await realtor.post('/v1/sites', { name: 'Outage Realty', allowedOrigins: [ORIGIN] })).body;

    // A steady stream of page views across the whole outage: every 202 must be a stored event.
    const accepted: string[] = [];
    const statuses = new Map<number, number>();
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const id = randomUUID();
        const res = await collect(site.publicKey, id);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 202) accepted.push(id);
        else {
          expect(res.status, JSON.stringify(res.body)).toBe(503);
          expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await vi.waitFor(() => expect(accepted.length).toBeGreaterThan(5), WAIT);

    await cluster.stop();
    const writes: Array<[string, () => Promise<{ status: number; headers: Headers; body: any }>]> = [
      ['signup', () => new ApiClient(url).post('/v1/auth/signup', { username: 'x', email: `n-${randomUUID()}@example.com`, password: 'correct horse battery' })],
      ['login', () => new ApiClient(url).post('/v1/auth/login', { email, password })],
      ['create lead (session)', () => realtor.post('/v1/leads', { name: 'During outage', email: 'during@example.com' })],
      ['patch site (session)', () => realtor.patch(`/v1/sites/${site.siteId}`, { name: 'Renamed during outage' })],
      ['inquiry (widget)', () => inquire(site.publicKey, 'outage-inquiry@example.com')],
      ['collect (widget)', () => collect(site.publicKey, randomUUID())],
    ];
    for (const [what, send] of writes) {
      const res = await send();
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).toBe(503);
      expect(res.body.error.code, what).toBe('unavailable');
      expect(res.headers.get('retry-after'), what).toMatch(/^\d+$/);
    }
    // Reads do not hang either.
    expect((await realtor.get('/v1/leads')).status).toBe(503);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    // Let the stream run into the outage for a while.
    const before = statuses.get(503) ?? 0;
    await vi.waitFor(() => expect(statuses.get(503) ?? 0).toBeGreaterThan(before + 5), { ...WAIT, timeout: 20_000 });

    await cluster.start();
    // The same processes serve again once their pools reconnect.
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), { ...WAIT, timeout: 30_000 });
    const afterOutage = accepted.length;
    await vi.waitFor(() => expect(accepted.length).toBeGreaterThan(afterOutage + 5), { ...WAIT, timeout: 20_000 });
    streaming = false;
    await stream;

    expect((await realtor.post('/v1/leads', { name: 'After outage', email: 'after@example.com' })).status).toBe(201);
    expect((await new ApiClient(url).post('/v1/auth/login', { email, password })).status).toBe(200);
    const inquiry = await inquire(site.publicKey, 'after-outage@example.com');
    expect(inquiry.status).toBe(202);

    // Nothing written during the outage; every 202'd event stored exactly once.
    const { rows: leads } = await pool.query<{ email: string }>('select email from leads');
    expect(leads.map((l) => l.email).sort()).toEqual(['after-outage@example.com', 'after@example.com']);
    expect((await pool.query('select name from sites')).rows).toEqual([{ name: 'Outage Realty' }]);
    const { rows: stored } = await pool.query<{ id: string }>('select client_event_id as id from lead_analytics where site_id = $1', [site.siteId]);
    expect(stored.map((r) => r.id).sort()).toEqual([...accepted].sort());
    expect(statuses.get(500)).toBeUndefined();

    // The worker recovered too: the inquiry made after the outage is scored.
    await vi.waitFor(async () => {
      const { rows } = await pool.query<{ needs_rescore: boolean; score_breakdown: unknown }>("select needs_rescore, score_breakdown from leads where email = 'after-outage@example.com'");
      expect(rows[0]).toMatchObject({ needs_rescore: false, score_breakdown: expect.anything() });
    }, { ...WAIT, timeout: 30_000 });
    expect(api.child.exitCode).toBeNull();
    expect(worker.child.exitCode).toBeNull();
    expect(api.lines.filter((l) => l.includes('"unhandled error"'))).toEqual([]);
  });
});
