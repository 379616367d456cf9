// Large CSV exports over real HTTP and Postgres: thousands of leads streamed completely, and
// clients that hang up mid-stream leave no transaction open. Slow: in the "slow" vitest project.
import { describe, expect, it, vi } from 'vitest';
import { makeLeads } from '#test/factories.ts';
import { readCsvRecords, useLeadsApi } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('GET /v1/leads/export.csv', () => {
  it('streams a large export (5,000 leads) completely, one row per lead', async () => {
    const { client: big, userId: bigId } = await api.makeRealtor();
    await makeLeads(
      api.server,
      Array.from({ length: 5000 }, (_, i) => i + 1).map((g) => ({
        userId: bigId, name: `Bulk ${g}`, email: `bulk${g}@example.com`, score: g % 100,
        scoreBand: g % 100 >= 60 ? 'hot' : g % 100 >= 25 ? 'warm' : 'cold',
        createdAt: new Date(Date.parse('2026-01-01T00:00:00Z') + (g % 10) * 1000),
      })),
    );
    const res = await api.fetchCsv(big, 'sort=created');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const records = readCsvRecords(res.text);
    expect(records).toHaveLength(5000);
    const ids = new Set(records.map((r) => r.leadId));
    expect(ids.size).toBe(5000);
    const all = await api.server.sql<{ lead_id: string }>('select lead_id from leads where user_id = $1 order by created_at desc, lead_id desc', [bigId]);
    expect(records.map((r) => r.leadId)).toEqual(all.map((r) => r.lead_id));
  });

  it('a client that hangs up mid-export, or asks with HEAD, leaves no transaction open', async () => {
    const { client: quitter, userId: quitterId } = await api.makeRealtor();
    await makeLeads(api.server, Array.from({ length: 3000 }, (_, i) => ({ userId: quitterId, name: `Quit ${i + 1}`, email: `quit${i + 1}@example.com` })));
    for (let i = 0; i < 8; i++) {
      const controller = new AbortController();
      const res = await fetch(`${api.server.url}/v1/leads/export.csv`, { headers: { cookie: quitter.cookie }, signal: controller.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
    const head = await fetch(`${api.server.url}/v1/leads/export.csv`, { method: 'HEAD', headers: { cookie: quitter.cookie } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // More aborted exports than the pool has connections: none may be left holding one.
    await vi.waitFor(
      async () => {
        const [{ n }] = await api.server.sql<{ n: number }>("select count(*)::int as n from pg_stat_activity where datname = $1 and state like 'idle in transaction%'", [api.server.db.name]);
        expect(n, 'export transactions still open').toBe(0);
      },
      { timeout: 10_000, interval: 50 },
    );
    const full = await api.fetchCsv(quitter, '');
    expect(readCsvRecords(full.text)).toHaveLength(3000);
  });
});
