// Bad input on every leads route: malformed ids are 404, bad cursors, limits, searches and
// unknown parameters are 400 naming the parameter — never a 5xx (the harness fails any 5xx).
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeLead } from '#test/factories.ts';
import { encodeCursor, makeTiedLeads, type RecordingClient, useLeadsApi } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('bad input', () => {
  let agent: RecordingClient;
  let leadId: string;

  beforeAll(async () => {
    let userId: string;
    ({ client: agent, userId } = await api.makeRealtor());
    ({ leadId } = await makeLead(api.server, { userId, name: 'Target' }));
    await makeTiedLeads(api.server, userId, 12);
  });

  it('a malformed lead id is 404 on every route', async () => {
    for (const bad of ['not-a-uuid', '123', `${randomUUID()}x`, 'export.json', '%27%20or%201%3D1']) {
      for (const [method, path] of [
        ['GET', `/v1/leads/${bad}`], ['PATCH', `/v1/leads/${bad}`], ['DELETE', `/v1/leads/${bad}`],
        ['GET', `/v1/leads/${bad}/timeline`], ['GET', `/v1/leads/${bad}/inquiries`], ['POST', `/v1/leads/${bad}/inquiries`],
      ] as const) {
        const res = await agent.request(method, path, method === 'PATCH' || method === 'POST' ? { json: { status: 'lost', message: 'x' } } : {});
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
      }
    }
  });

  it('a bad cursor is 400 naming cursor, on every paginated route', async () => {
    const uuid = randomUUID();
    const badCursors = [
      'garbage', '!!!', encodeCursor({}), encodeCursor(['score']), encodeCursor(['score', 'ten', uuid]), encodeCursor(['score', 1.5, uuid]),
      encodeCursor(['score', 10, 'not-a-uuid']), encodeCursor(['created', 10, uuid]), 'x'.repeat(501),
      // Well-formed shapes holding values Postgres cannot take must be a 400 too, not a SQL error.
      encodeCursor(['score', 2 ** 31, uuid]), encodeCursor(['score', -(2 ** 40), uuid]), encodeCursor(['score', Number.MAX_SAFE_INTEGER, uuid]),
    ];
    for (const cursor of badCursors) {
      const res = await agent.get(`/v1/leads?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status, cursor.slice(0, 60)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('cursor');
    }
    const badTimes = ['2026-13-45T25:61:61.000000Z', '2026-02-30T00:00:00.000000Z', '0000-01-01T00:00:00.000000Z', '9999-12-31T24:00:00.000000Z'];
    for (const at of badTimes) {
      for (const [path, cursor] of [
        ['/v1/leads?sort=created', encodeCursor(['created', at, uuid])],
        ['/v1/leads?sort=last_activity', encodeCursor(['last_activity', at, uuid])],
        [`/v1/leads/${leadId}/timeline`, encodeCursor([at, 'event', uuid])],
        [`/v1/leads/${leadId}/timeline`, encodeCursor([at, 'inquiry', uuid])],
        [`/v1/leads/${leadId}/inquiries`, encodeCursor([at, uuid])],
      ] as const) {
        const res = await agent.get(`${path}${path.includes('?') ? '&' : '?'}cursor=${cursor}`);
        expect(res.status, `${path} ${at}`).toBe(400);
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('cursor');
      }
    }
    for (const path of [`/v1/leads/${leadId}/timeline`, `/v1/leads/${leadId}/inquiries`]) {
      for (const cursor of ['garbage', encodeCursor(['2026-01-01T00:00:00.000000Z', 'note', uuid]), encodeCursor(['score', 1, uuid])]) {
        const res = await agent.get(`${path}?cursor=${encodeURIComponent(cursor)}`);
        expect(res.status, `${path} ${cursor}`).toBe(400);
      }
    }
  });

  it('a limit out of range or not a whole number is 400 naming limit', async () => {
    for (const [path, max] of [['/v1/leads', 100], [`/v1/leads/${leadId}/timeline`, 200], [`/v1/leads/${leadId}/inquiries`, 100]] as const) {
      for (const limit of ['0', '-1', String(max + 1), '1.5', 'abc', '1e9', 'Infinity', '']) {
        if (limit === '') continue;
        const res = await agent.get(`${path}?limit=${limit}`);
        expect(res.status, `${path} limit=${limit}`).toBe(400);
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('limit');
      }
      // Not a number, or given twice: the message says what limit takes (it read "expected number, received NaN").
      for (const query of ['limit=abc', 'limit=10&limit=20']) {
        const res = await agent.get(`${path}?${query}`);
        expect(res.status, `${path} ${query}`).toBe(400);
        expect(res.body.error.details, `${path} ${query}`).toEqual([{ path: 'limit', message: `Use one whole number from 1 to ${max}` }]);
      }
      const ok = await agent.get(`${path}?limit=${max}`);
      expect(ok.status).toBe(200);
    }
  });

  it('an over-long or control-character search is 400; so are unknown query parameters on every list', async () => {
    for (const q of ['x'.repeat(101), 'x'.repeat(8000), 'nul\u0000byte', 'tab\there', 'bell\u0007']) {
      const res = await agent.get(`/v1/leads?q=${encodeURIComponent(q)}`);
      expect(res.status, q.slice(0, 20)).toBe(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain('q');
    }
    expect((await agent.get(`/v1/leads?q=${'x'.repeat(100)}`)).status).toBe(200);
    // Broken percent-encoding is read leniently, never a 5xx.
    expect((await agent.get('/v1/leads?q=%E0%A4%A&band=%')).status).toBeLessThan(500);
    for (const path of [`/v1/leads/${leadId}/timeline?sort=score`, `/v1/leads/${leadId}/inquiries?q=x`]) {
      expect((await agent.get(path)).status, path).toBe(400);
    }
  });

  it('the longest address with a phone is stored, not a 500: the generated contact line keeps the address when both would overflow contact_info', async () => {
    // 254 characters (64 + 1 + 63 + 1 + 63 + 1 + 57 + 4), the most an email may have; with " · " and a phone the line would pass 255.
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
    expect(email).toHaveLength(254);
    const created = await agent.post('/v1/leads', { name: 'Longest Address', email, phone: '+1 555 010 0199' });
    expect(created.status).toBe(201);
    const [row] = await api.server.sql<{ email: string; phone: string; contact_info: string }>('select email, phone, contact_info from leads where lead_id = $1', [created.body.leadId]);
    expect(row).toEqual({ email, phone: '+15550100199', contact_info: email });

    // Adding a phone to a lead that has the longest address: the same.
    const plain = await agent.post('/v1/leads', { name: 'Longest Address Two', email: email.replace('a@', 'e@') });
    expect(plain.status).toBe(201);
    const patched = await agent.patch(`/v1/leads/${plain.body.leadId}`, { phone: '+1 555 010 0198' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ phone: '+15550100198', contactInfo: email.replace('a@', 'e@') });
  });
});
