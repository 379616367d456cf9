// Live updates over real HTTP and Redis: GET /v1/live streams the signed-in realtor's events
// (a lead created through the inquiry form, stage changes, scores and due reminders from the
// worker), replays what a reconnecting client missed (Last-Event-ID), reaches clients of another
// API process on the same Redis, is scoped to the account, and ends cleanly (client gone,
// server shutdown), and ends with the session that opened it (logout, password reset, in any process).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeAppStreams, createApp } from '../app.ts';
import { issueAccountToken, PASSWORD_RESET_TTL_MS } from '#core/accounts/account-tokens.ts';
import { announceAccessChange, liveChannel } from '#core/live/live-events.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { createBearerClient, makeApiKey, makeFilteredInquiry, makeInquiry, makeLead, makeRealtor, makeSite, type Realtor } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { type LiveStream, openLiveStream } from '#test/live-client.ts';
import { waitUntilBlockedBy } from '#test/row-locks.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';

const ORIGIN = 'https://homes.example';
const freshIp = ipSource(41);

let server: TestServer;
let second: TestServer;
let worker: TestWorker;
let realtor: Realtor;
let siteKey: string;
const streams: LiveStream[] = [];

async function open(target: TestServer, who: Realtor, headers: Record<string, string> = {}): Promise<LiveStream> {
  const s = await openLiveStream(target.url, { cookie: who.client.cookie, ...headers });
  streams.push(s);
  return s;
}

function submitInquiry(email: string) {
  return sendIngest(`${server.url}/v1/inquiries`, {
    site: siteKey, id: randomUUID(), visitor: `v_${randomUUID().slice(0, 8)}`, name: 'Dana Whitaker', email, message: 'Is 12 Oak St still available?', consent: true, hp: '',
  }, { defaultOrigin: ORIGIN, nextIp: freshIp });
}

beforeAll(async () => {
  server = await startTestServer();
  // A second API process: same database and Redis prefix, its own hub and connections.
  second = await startTestServer({ DATABASE_URL: server.db.url, QUEUE_PREFIX: server.config.QUEUE_PREFIX });
  worker = await startTestWorker(server);
  realtor = await makeRealtor(server);
  siteKey = (await makeSite(realtor, { name: 'Homes', allowedOrigins: [ORIGIN] })).publicKey;
});

afterAll(async () => {
  for (const s of streams) s.close();
  await worker?.close();
  await second?.close();
  await server?.close();
});

describe('GET /v1/live', () => {
  it('needs a signed-in realtor', async () => {
    const res = await fetch(`${server.url}/v1/live`);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('unauthorized');
  });

  it('streams a lead created through the inquiry form, then its score from the worker; other accounts hear nothing', async () => {
    const other = await makeRealtor(server);
    const mine = await open(server, realtor);
    const theirs = await open(server, other);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(mine.headers.get('cache-control')).toBe('no-store');
    await mine.waitForEvent((e) => e.event === 'ready');
    await theirs.waitForEvent((e) => e.event === 'ready');

    const email = `live-${randomUUID().slice(0, 8)}@example.com`;
    expect((await submitInquiry(email)).status).toBe(202);
    const [lead] = await server.sql<{ lead_id: string }>('select lead_id from leads where email = $1', [email]);
    const created = await mine.waitForEvent((e) => e.event === 'lead.created');
    expect(created.id).toMatch(/^\d+-\d+$/);
    expect(created.data).toMatchObject({ leadId: lead.lead_id, name: 'Dana Whitaker', email, stage: { key: 'new', label: 'New' } });
    // The worker scores the inquiry (40 points) and announces the new score.
    const scored = await mine.waitForEvent((e) => e.event === 'lead.updated' && e.data.leadId === lead.lead_id && e.data.score > 0, 20_000);
    const [stored] = await server.sql<{ score: number; score_band: string }>('select score, score_band from leads where lead_id = $1', [lead.lead_id]);
    expect(scored.data).toMatchObject({ score: Number(stored.score), scoreBand: stored.score_band });
    expect(['hot', 'warm', 'cold']).toContain(scored.data.scoreBand);
    expect(theirs.events.filter((e) => e.event !== 'ready')).toEqual([]);
  });

  it('streams a lead created by an identify through /v1/collect', async () => {
    const mine = await open(server, realtor);
    await mine.waitForEvent((e) => e.event === 'ready');
    const email = `ident-${randomUUID().slice(0, 8)}@example.com`;
    const res = await sendIngest(`${server.url}/v1/collect`, {
      site: siteKey, visitor: `v_${randomUUID().slice(0, 8)}`, events: [{ id: randomUUID(), type: 'identify', props: { email, name: 'Casey Jones' } }],
    }, { defaultOrigin: ORIGIN, nextIp: freshIp });
    expect(res.status).toBe(202);
    const [lead] = await server.sql<{ lead_id: string }>('select lead_id from leads where email = $1', [email]);
    const created = await mine.waitForEvent((e) => e.event === 'lead.created' && e.data.leadId === lead.lead_id);
    expect(created.data).toMatchObject({ name: 'Casey Jones', email });
  });

  it('a reconnect with Last-Event-ID replays what was missed, in order and once', async () => {
    const first = await open(server, realtor);
    await first.waitForEvent((e) => e.event === 'ready');
    const position = first.lastEventId!;
    first.close();
    await first.ended;
    const created: string[] = [];
    for (const name of ['Missed One', 'Missed Two']) {
      const res = await realtor.client.post('/v1/leads', { name });
      expect(res.status).toBe(201);
      created.push(res.body.leadId);
    }
    const again = await open(server, realtor, { 'last-event-id': position });
    await again.waitForEvent((e) => e.event === 'ready');
    const replayed = again.events.filter((e) => e.event === 'lead.created').map((e) => e.data.leadId);
    expect(replayed).toEqual(created);
    // Nothing after the position is sent twice, and the ready event carries the newest id.
    const ids = again.events.filter((e) => e.id && e.event !== 'ready').map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(again.lastEventId).toBe(ids.at(-1));
  });

  it('a Last-Event-ID this stream never sent (past its newest entry, or past 64 bits) opens it from the newest, and new events arrive', async () => {
    const first = await open(server, realtor);
    await first.waitForEvent((e) => e.event === 'ready');
    expect((await realtor.client.post('/v1/leads', { name: 'Before the reconnect' })).status).toBe(201);
    let newest = (await first.waitForEvent((e) => e.event === 'lead.created' && e.data.name === 'Before the reconnect')).id!;
    first.close();
    const [ms] = newest.split('-');
    const ahead = `${BigInt(ms) + 3_600_000n}-0`;
    // Past an entry the stream holds, something may be lost: the client is told to reload. A
    // number Redis cannot read is no position at all, ignored like any other non-id.
    const cases: Array<[string, string[]]> = [
      [ahead, ['reset', 'ready']], ['18446744073709551615-0', ['reset', 'ready']],
      ['99999999999999999999-0', ['ready']], ['18446744073709551615-18446744073709551616', ['ready']],
    ];
    for (const [position, opening] of cases) {
      const again = await open(server, realtor, { 'last-event-id': position });
      expect(again.status, position).toBe(200);
      const ready = await again.waitForEvent((e) => e.event === 'ready');
      expect(ready.id, position).toBe(newest);
      expect(again.events.map((e) => e.event), position).toEqual(opening);
      const name = `After ${position}`;
      const res = await realtor.client.post('/v1/leads', { name });
      expect(res.status).toBe(201);
      const created = await again.waitForEvent((e) => e.event === 'lead.created' && e.data.name === name);
      expect(created.data.leadId).toBe(res.body.leadId);
      again.close();
      newest = created.id!;
    }
  });

  it('an event published by one API process reaches a client of another', async () => {
    const onSecond = await open(second, realtor);
    await onSecond.waitForEvent((e) => e.event === 'ready');
    const { leadId } = await makeLead(server, { userId: realtor.userId, name: 'Cross Process' });
    const stages = (await realtor.client.get('/v1/pipeline-stages')).body.items;
    expect((await realtor.client.put(`/v1/leads/${leadId}/stage`, { stageId: stages[2].stageId })).status).toBe(200);
    const moved = await onSecond.waitForEvent((e) => e.event === 'lead.updated' && e.data.leadId === leadId);
    expect(moved.data.stage).toEqual({ stageId: stages[2].stageId, key: 'nurturing', label: 'Nurturing' });
  });

  it('a reminder falling due reaches the open admin', async () => {
    const s = await open(server, realtor);
    await s.waitForEvent((e) => e.event === 'ready');
    const { leadId } = await makeLead(server, { userId: realtor.userId, name: 'Due Soon' });
    const res = await realtor.client.post(`/v1/leads/${leadId}/reminders`, { reminderDate: new Date(Date.now() - 1000).toISOString(), reminderMessage: 'Call Due Soon' });
    expect(res.status).toBe(201);
    const due = await s.waitForEvent((e) => e.event === 'reminder.due', 20_000);
    expect(due.data).toMatchObject({ reminderId: res.body.reminderId, leadId, leadName: 'Due Soon', reminderMessage: 'Call Due Soon' });
  });

  it('a rules change: the rescore tells the open admin that scores moved (leads.rescored, once per batch), not when none did', async () => {
    const owner = await makeRealtor(server);
    const s = await open(server, owner);
    await s.waitForEvent((e) => e.event === 'ready');
    const computedAt = new Date(Date.now() - 60_000);
    const breakdown = { rulesVersion: 0, signals: [], computedAt: computedAt.toISOString() };
    const asked = (await makeLead(server, { userId: owner.userId, name: 'Asked Once', score: 40, scoreBand: 'warm', scoreBreakdown: breakdown, scoredAt: computedAt })).leadId;
    await makeInquiry(server, { leadId: asked, createdAt: computedAt });
    const quiet = (await makeLead(server, { userId: owner.userId, name: 'Never Active', score: 0, scoreBand: 'cold', scoreBreakdown: breakdown, scoredAt: computedAt })).leadId;
    // The first inquiry is worth 60 instead of 40: the asking lead moves, the quiet one stays at 0.
    expect((await owner.client.put('/v1/scoring-rules', { rules: { weights: { firstInquiry: 60 } } })).status).toBe(200);
    const rescored = await s.waitForEvent((e) => e.event === 'leads.rescored', 20_000);
    // One batch: the asking lead moved, the quiet one did not.
    expect(rescored.data).toEqual({ count: 1 });
    await vi.waitFor(async () => expect((await owner.client.get('/v1/scoring-rules/rescore')).body.finishedAt).toBeTruthy(), WAIT);
    const [row] = await server.sql<{ score: number }>('select score from leads where lead_id = $1', [asked]);
    expect(row.score).toBeGreaterThan(40);
    // A rules change that moves nothing announces nothing.
    expect((await owner.client.put('/v1/scoring-rules', { rules: { weights: { firstInquiry: 60, mortgageTool: 9 } } })).status).toBe(200);
    await vi.waitFor(async () => {
      const status = (await owner.client.get('/v1/scoring-rules/rescore')).body;
      expect(status.version === 2 && status.finishedAt).toBeTruthy();
    }, WAIT);
    expect(s.events.filter((e) => e.event === 'leads.rescored' || (e.event === 'lead.updated' && e.data.leadId === quiet))).toHaveLength(1);
  });

  it('a closed stream releases its subscription', async () => {
    const lonely = await makeRealtor(second);
    const s = await open(second, lonely);
    await s.waitForEvent((e) => e.event === 'ready');
    const channel = liveChannel(second.config.QUEUE_PREFIX, lonely.userId);
    const subscribers = async () => Number(((await second.redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
    expect(await subscribers()).toBe(1);
    s.close();
    await vi.waitFor(async () => expect(await subscribers()).toBe(0), WAIT);
  });

  it('shutdown ends open streams, so closing the server does not wait for them', async () => {
    const app = createApp({ ...server.runtime, config: server.config });
    const listener = app.listen(0, '127.0.0.1');
    await new Promise((r) => listener.once('listening', r));
    const { port } = listener.address() as { port: number };
    const s = await openLiveStream(`http://127.0.0.1:${port}`, { cookie: realtor.client.cookie });
    await s.waitForEvent((e) => e.event === 'ready');
    await closeAppStreams(app);
    await s.ended;
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });
});

// Before: a lead created by releasing a held submission or by the Sites page's test inquiry was
// announced to no open admin (the realtor saw it only after a reload).
describe('lead.created from the other paths that create a lead', () => {
  /** A fresh realtor with an open stream, and another realtor's, both ready. */
  async function twoStreams() {
    const [who, stranger] = [await makeRealtor(server), await makeRealtor(server)];
    const [mine, theirs] = [await open(server, who), await open(server, stranger)];
    await mine.waitForEvent((e) => e.event === 'ready');
    await theirs.waitForEvent((e) => e.event === 'ready');
    return { who, stranger, mine, theirs };
  }

  /**
   * Creates a lead by hand for `who` and waits for its lead.created on `s`: an account's events
   * arrive in the order they were published, so everything published before it has arrived too.
   * Returns the events before the marker.
   */
  async function eventsBefore(who: Realtor, s: LiveStream) {
    const marker = await who.client.post('/v1/leads', { name: `Marker ${randomUUID().slice(0, 8)}` });
    expect(marker.status).toBe(201);
    const seen = await s.waitForEvent((e) => e.event === 'lead.created' && e.data.leadId === marker.body.leadId);
    return s.events.slice(0, s.events.indexOf(seen));
  }
  const createdFor = (events: { event: string; data: any }[], leadId: string) => events.filter((e) => e.event === 'lead.created' && e.data.leadId === leadId);
  /** Another realtor's stream heard nothing but its own marker. */
  async function expectNothingFor(stranger: Realtor, theirs: LiveStream) {
    expect((await eventsBefore(stranger, theirs)).filter((e) => e.event !== 'ready')).toEqual([]);
  }

  it('releasing a held submission whose contact is new announces its lead once, to its realtor only', async () => {
    const { who, stranger, mine, theirs } = await twoStreams();
    const site = await makeSite(who, { allowedOrigins: [ORIGIN] });
    const email = `held-${randomUUID().slice(0, 8)}@example.com`;
    const { filteredInquiryId } = await makeFilteredInquiry(server, { userId: who.userId, siteId: site.siteId, name: 'Held Buyer', email });
    const res = await who.client.post(`/v1/filtered-inquiries/${filteredInquiryId}/release`, {});
    expect(res.status).toBe(200);
    expect(res.body.leadCreated).toBe(true);
    const created = createdFor(await eventsBefore(who, mine), res.body.leadId);
    expect(created).toHaveLength(1);
    expect(created[0].data).toMatchObject({ leadId: res.body.leadId, name: 'Held Buyer', email });
    await expectNothingFor(stranger, theirs);
  });

  it('releasing a held submission whose contact matches an existing lead announces no lead.created', async () => {
    const { who, mine } = await twoStreams();
    const site = await makeSite(who, { allowedOrigins: [ORIGIN] });
    const email = `known-${randomUUID().slice(0, 8)}@example.com`;
    const { leadId } = await makeLead(server, { userId: who.userId, siteId: site.siteId, name: 'Known Buyer', email });
    const { filteredInquiryId } = await makeFilteredInquiry(server, { userId: who.userId, siteId: site.siteId, name: 'Known Buyer', email });
    const res = await who.client.post(`/v1/filtered-inquiries/${filteredInquiryId}/release`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ leadCreated: false, leadId });
    // Scoring may announce lead.updated for it; only lead.created is asserted.
    expect(createdFor(await eventsBefore(who, mine), leadId)).toEqual([]);
  });

  it('the first test inquiry of a site announces its test lead; the next one, which finds it, does not', async () => {
    const { who, stranger, mine, theirs } = await twoStreams();
    const site = await makeSite(who, { allowedOrigins: [ORIGIN] });
    const first = await who.client.post(`/v1/sites/${site.siteId}/test-inquiry`, {});
    expect(first.status).toBe(201);
    expect(first.body).not.toHaveProperty('leadCreated');
    const created = createdFor(await eventsBefore(who, mine), first.body.leadId);
    expect(created).toHaveLength(1);
    expect(created[0].data).toMatchObject({ name: 'Test inquiry', email: expect.stringMatching(/^test-inquiry\+/) });

    const second = await who.client.post(`/v1/sites/${site.siteId}/test-inquiry`, {});
    expect(second.status).toBe(201);
    expect(second.body.leadId).toBe(first.body.leadId);
    expect(createdFor(await eventsBefore(who, mine), first.body.leadId)).toHaveLength(1);
    await expectNothingFor(stranger, theirs);
  });
});

describe('a stream ends with the session that opened it', () => {
  /** Resolves true once the server has ended the stream (false while it is open). */
  function watchEnd(s: LiveStream) {
    let ended = false;
    void s.ended.then(() => (ended = true));
    return () => ended;
  }

  /** A realtor with an open stream on `target`, and an API key of theirs to write with after the session is gone. */
  async function realtorWithStream(target: TestServer) {
    const who = await makeRealtor(server);
    const writer = createBearerClient(server, await makeApiKey(who));
    const s = await open(target, who);
    await s.waitForEvent((e) => e.event === 'ready');
    return { who, writer, s, isEnded: watchEnd(s) };
  }

  it('logout ends it at once; a lead created right after never reaches it', async () => {
    const { who, writer, s, isEnded } = await realtorWithStream(server);
    expect((await who.client.post('/v1/auth/logout')).status).toBe(204);
    const lead = await writer.post('/v1/leads', { name: 'After Logout', email: 'after-logout@example.com' });
    expect(lead.status).toBe(201);
    await vi.waitFor(() => expect(isEnded()).toBe(true), WAIT);
    expect(s.events.filter((e) => e.event === 'lead.created')).toEqual([]);
    // The key still works: the lead was announced, to whoever may still hear it.
    const viaKey = await openLiveStream(server.url, { authorization: `Bearer ${writer.bearer}`, 'last-event-id': s.lastEventId! });
    streams.push(viaKey);
    expect((await viaKey.waitForEvent((e) => e.event === 'lead.created')).data.leadId).toBe(lead.body.leadId);
  });

  it('a password reset ends it (every session of the user goes)', async () => {
    const { who, writer, s, isEnded } = await realtorWithStream(server);
    // Verified before the writer's API key was made: a reset also deletes the keys set up before
    // the address was confirmed (docs/accounts.md).
    await server.sql(`update users set email_verified_at = now() - interval '1 hour' where user_id = $1`, [who.userId]);
    const { token } = await issueAccountToken({ em: server.orm.em.fork(), userId: who.userId, purpose: 'password_reset', ttlMs: PASSWORD_RESET_TTL_MS });
    expect((await new ApiClient(server.url).post('/v1/auth/reset-password', { token, password: 'a brand new passphrase' })).status).toBe(204);
    expect((await writer.post('/v1/leads', { name: 'After Reset' })).status).toBe(201);
    await vi.waitFor(() => expect(isEnded()).toBe(true), WAIT);
    expect(s.events.filter((e) => e.event === 'lead.created')).toEqual([]);
  });

  // Before: a password change rotates the session in place (new cookie, same id), and the stream's
  // access check asked by id only, so a stream opened with the old (say, stolen) cookie kept
  // streaming the account's new leads for as long as its client stayed connected.
  it('a password change ends streams opened with the old cookie, in every API process; a lead created after never reaches them; the new cookie streams on', async () => {
    const { who, writer, s, isEnded } = await realtorWithStream(server);
    const onSecond = await open(second, who);
    await onSecond.waitForEvent((e) => e.event === 'ready');
    const isSecondEnded = watchEnd(onSecond);
    const oldCookie = who.client.cookie;
    const changed = await who.client.post('/v1/account/password', { currentPassword: who.password, newPassword: 'a brand new passphrase' });
    expect(changed.status).toBe(200);
    expect(who.client.cookie).not.toBe(oldCookie);
    who.client.csrfToken = changed.body.csrfToken;
    const fresh = await open(second, who);
    await fresh.waitForEvent((e) => e.event === 'ready');

    const lead = await writer.post('/v1/leads', { name: 'After Password Change', email: 'after-password-change@example.com' });
    expect(lead.status).toBe(201);
    // Well before the 20 s heartbeat (WAIT is 10 s).
    await vi.waitFor(() => expect(isEnded()).toBe(true), WAIT);
    await vi.waitFor(() => expect(isSecondEnded()).toBe(true), WAIT);
    // The process that answered the change checked again before answering, so the lead, created
    // after, could not reach it. (Another process hears of the change from Postgres, which a lead
    // published through Redis may overtake by a moment.)
    expect(s.events.filter((e) => e.event === 'lead.created')).toEqual([]);
    expect((await fresh.waitForEvent((e) => e.event === 'lead.created')).data.leadId).toBe(lead.body.leadId);
    expect((await fetch(`${server.url}/v1/live`, { headers: { cookie: oldCookie } })).status).toBe(401);
  });

  it('a logout in another API process ends it too (Postgres tells every process)', async () => {
    const { who, isEnded } = await realtorWithStream(second);
    const cookie = who.client.cookie;
    expect((await who.client.post('/v1/auth/logout')).status).toBe(204); // on the first process
    await vi.waitFor(() => expect(isEnded()).toBe(true), WAIT);
    // Reconnecting with the old cookie is refused.
    expect((await fetch(`${second.url}/v1/live`, { headers: { cookie } })).status).toBe(401);
  });

  // Before: a revoked key's streams lived on until their next heartbeat's access check (up to 20 s)
  // and kept receiving the account's new leads meanwhile.
  it('revoking the API key that opened it ends it at once, in every API process; a lead created right after never reaches it', async () => {
    const { who, writer } = await realtorWithStream(server);
    const key = await makeApiKey(who);
    const viaKey = await Promise.all([server, second].map(async (target) => {
      const s = await openLiveStream(target.url, { authorization: `Bearer ${key}` });
      streams.push(s);
      await s.waitForEvent((e) => e.event === 'ready');
      return { s, isEnded: watchEnd(s) };
    }));
    const listed = await who.client.get('/v1/api-keys');
    const apiKeyId = listed.body.items.find((k: { prefix: string }) => key.startsWith(k.prefix)).apiKeyId;
    expect((await who.client.delete(`/v1/api-keys/${apiKeyId}`)).status).toBe(204);
    expect((await writer.post('/v1/leads', { name: 'After Revoke' })).status).toBe(201);
    // Well before the 20 s heartbeat (WAIT is 10 s).
    for (const { isEnded } of viaKey) await vi.waitFor(() => expect(isEnded()).toBe(true), WAIT);
    for (const { s } of viaKey) expect(s.events.filter((e) => e.event === 'lead.created')).toEqual([]);
    // The revoked key cannot reconnect; the other key still hears the account.
    expect((await fetch(`${server.url}/v1/live`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
    const other = await openLiveStream(server.url, { authorization: `Bearer ${writer.bearer}`, 'last-event-id': viaKey[0].s.lastEventId! });
    streams.push(other);
    expect((await other.waitForEvent((e) => e.event === 'lead.created')).data.name).toBe('After Revoke');
  });

  // Before: a key revoked between the stream's authentication and its SUBSCRIBE was announced to
  // no stream of it, which stayed open until its next heartbeat (up to 20 s), hearing the account's
  // new leads meanwhile.
  it('a key revoked after the stream was authenticated but before it subscribed: refused at once (401), nothing sent', async () => {
    const { who, writer } = await realtorWithStream(server);
    const key = await makeApiKey(who);
    const listed = await who.client.get('/v1/api-keys');
    const apiKeyId = listed.body.items.find((k: { prefix: string }) => key.startsWith(k.prefix)).apiKeyId;
    // The window, held open: a fresh key's first request reads it (valid), then records its last
    // use, which waits on this transaction's row lock. The request is authenticated by then, and
    // its stream is not yet subscribed.
    const holder = await server.pool.connect();
    let opening: Promise<LiveStream> | undefined;
    try {
      await holder.query('begin');
      await holder.query('select 1 from api_keys where api_key_id = $1 for update', [apiKeyId]);
      const { pid } = (await holder.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0];
      opening = openLiveStream(server.url, { authorization: `Bearer ${key}` });
      await waitUntilBlockedBy(server, pid, opening);
      // Revoked as DELETE /v1/api-keys/:id does it, announcement included: no stream of the key is
      // subscribed yet to hear it.
      await holder.query('delete from api_keys where api_key_id = $1', [apiKeyId]);
      await announceAccessChange({ redis: server.redis, prefix: server.config.QUEUE_PREFIX, accountId: who.userId, log: server.runtime.logger });
      await holder.query('commit');
    } finally {
      await holder.query('rollback').catch(() => undefined);
      holder.release();
    }
    const s = await opening!;
    streams.push(s);
    const isEnded = watchEnd(s);
    expect((await writer.post('/v1/leads', { name: 'After The Window' })).status).toBe(201);
    // Well before the 20 s heartbeat (WAIT is 10 s).
    await vi.waitFor(() => expect(isEnded()).toBe(true), WAIT);
    expect(s.events).toEqual([]);
    expect(s.status).toBe(401);
  });

  it('a stream opened with an API key stays open when sessions change', async () => {
    const { who, writer } = await realtorWithStream(server);
    const viaKey = await openLiveStream(server.url, { authorization: `Bearer ${writer.bearer}` });
    streams.push(viaKey);
    await viaKey.waitForEvent((e) => e.event === 'ready');
    expect((await who.client.post('/v1/auth/logout')).status).toBe(204);
    const lead = await writer.post('/v1/leads', { name: 'Key Still Hears' });
    expect((await viaKey.waitForEvent((e) => e.event === 'lead.created')).data.leadId).toBe(lead.body.leadId);
  });
});
