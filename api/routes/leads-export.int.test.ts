// The CSV export over real HTTP and Postgres: spreadsheet formulas neutralised, RFC 4180 quoting,
// the filtered list's order with score reasons, and bad filters refused as JSON before any CSV.
// The large exports are in leads-export-large.int.test.ts (the slow project).
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeLead, makeLeads } from '#test/factories.ts';
import { readAllPages } from '#test/http.ts';
import { makeTiedLeads, type RecordingClient, readCsvRecords, useLeadsApi } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('GET /v1/leads/export.csv', () => {
  let agent: RecordingClient;
  let userId: string;
  let siteId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
    siteId = await api.makeSite(agent, 'Export Realty');
  });

  it('neutralises spreadsheet formulas and escapes quotes, commas and line breaks', async () => {
    const viaApi = await agent.post('/v1/leads', { name: '=HYPERLINK("http://x")', email: 'formula@example.com', phone: '+1 555 010 0900', contactInfo: '@SUM(A1:A9), "cell"' });
    expect(viaApi.status).toBe(201);
    // contact_info generated as "email · phone" repeats the two cells beside it: exported empty.
    expect((await agent.post('/v1/leads', { name: 'Generated', email: 'generated@example.com', phone: '+1 555 010 0901' })).body.contactInfo).toBe('generated@example.com · +15550100901');
    // States a stranger's data can reach through other paths, written directly.
    const hostile: Record<string, string> = {
      plus: '+1+2', minus: '-2+3', at: '@cmd', tab: '\t=1+1', cr: '\rcr', comma: 'Comma, Inc', newline: 'Line\nBreak',
      quote: 'Say "hi"', spaces: '  padded  ', plain: 'Dana Whitaker',
    };
    await makeLeads(api.server, Object.entries(hostile).map(([key, name]) => ({ userId, name, email: `${key}@example.com`, siteId })));

    const res = await api.fetchCsv(agent, '');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text.slice(1).split('\r\n')[0]).toBe('leadId,name,email,phone,contactInfo,status,score,scoreBand,scoreReasons,siteId,lastActivityAt,createdAt,updatedAt,consentText,consentVersion,consentAt,stage,siteName,lastContactedAt,nextFollowUpAt');
    const records = readCsvRecords(res.text);
    const byEmail = Object.fromEntries(records.map((r) => [r.email, r]));
    expect(byEmail['formula@example.com']).toMatchObject({ name: `'=HYPERLINK("http://x")`, phone: "'+15550100900", contactInfo: `'@SUM(A1:A9), "cell"`, leadId: viaApi.body.leadId });
    expect(byEmail['generated@example.com']).toMatchObject({ name: 'Generated', contactInfo: '' });
    expect(byEmail['plus@example.com'].name).toBe("'+1+2");
    expect(byEmail['minus@example.com'].name).toBe("'-2+3");
    expect(byEmail['at@example.com'].name).toBe("'@cmd");
    expect(byEmail['tab@example.com'].name).toBe("'\t=1+1");
    expect(byEmail['cr@example.com'].name).toBe("'\rcr");
    expect(byEmail['comma@example.com'].name).toBe('Comma, Inc');
    expect(byEmail['newline@example.com'].name).toBe('Line\nBreak');
    expect(byEmail['quote@example.com'].name).toBe('Say "hi"');
    expect(byEmail['spaces@example.com'].name).toBe('  padded  ');
    expect(byEmail['plain@example.com']).toMatchObject({ name: 'Dana Whitaker', siteId, status: 'new', score: '0', scoreBand: 'cold' });
    // The columns added at the end: the stage (the first one when none is set), the site's name, last contact and next follow-up.
    expect(byEmail['plain@example.com']).toMatchObject({ stage: 'New', siteName: 'Export Realty', lastContactedAt: '', nextFollowUpAt: '' });
    const plainId = byEmail['plain@example.com'].leadId;
    const stages = (await agent.get('/v1/pipeline-stages')).body.items as Array<{ stageId: string; label: string }>;
    expect((await agent.put(`/v1/leads/${plainId}/stage`, { stageId: stages.find((st) => st.label === 'Showing')!.stageId })).status).toBe(200);
    expect((await agent.post(`/v1/leads/${plainId}/activities`, { type: 'call', outcome: 'talked' })).status).toBe(201);
    const followUp = new Date(Date.now() + 86_400_000).toISOString();
    expect((await agent.post(`/v1/leads/${plainId}/reminders`, { reminderDate: followUp, reminderMessage: 'Call back' })).status).toBe(201);
    const again = readCsvRecords((await api.fetchCsv(agent, 'q=plain@example.com')).text)[0];
    expect(again).toMatchObject({ stage: 'Showing', siteName: 'Export Realty', nextFollowUpAt: followUp });
    expect(again.lastContactedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // No cell of the raw file starts with a formula character.
    for (const r of records) for (const v of Object.values(r)) expect(v, JSON.stringify(v)).not.toMatch(/^[=+\-@\t\r]/);
    expect(res.text).toContain('"\'=HYPERLINK(""http://x"")"');
  });

  it('exports the filtered list in the list’s order, with score reasons', async () => {
    const { client: seller, userId: sellerId } = await api.makeRealtor();
    const site = await api.makeSite(seller, 'Filtered');
    await makeTiedLeads(api.server, sellerId, 60, site);
    await makeLead(api.server, {
      userId: sellerId, name: 'Reasoned', email: 'reasoned@example.com', score: 70, scoreBand: 'hot', siteId: site,
      scoreBreakdown: { signals: [{ key: 'inquiry', label: 'Inquiry', count: 1, points: 40 }, { key: 'x', label: 'Zero', count: 1, points: 0 }, { key: 'mortgage_tool', label: 'Mortgage calculator', count: 2, points: 30 }], rulesVersion: 0, computedAt: '2026-01-01T00:00:00.000Z' },
    });
    for (const query of ['band=hot', 'status=qualified&sort=created', `site=${site}&sort=last_activity`, 'q=tied1', 'band=warm&q=example']) {
      const csv = await api.fetchCsv(seller, query);
      expect(csv.status, query).toBe(200);
      const fromCsv = readCsvRecords(csv.text).map((r) => r.leadId);
      const fromList = (await readAllPages<{ leadId: string }>(seller, `/v1/leads?${query}`, 100)).map((l) => l.leadId);
      expect(fromCsv, query).toEqual(fromList);
      expect(fromCsv.length, query).toBeGreaterThan(0);
    }
    const hot = readCsvRecords((await api.fetchCsv(seller, 'q=reasoned')).text);
    expect(hot).toHaveLength(1);
    expect(hot[0].scoreReasons).toBe('Inquiry +40; Mortgage calculator +30');
    // Nothing matches: just the header.
    const none = await api.fetchCsv(seller, 'q=nobody-has-this');
    expect(none.status).toBe(200);
    expect(readCsvRecords(none.text)).toEqual([]);
  });

  it('refuses bad filters with a JSON 400/404 before sending any CSV', async () => {
    for (const [query, status] of [['band=lukewarm', 400], ['limit=5', 400], [`q=${'x'.repeat(101)}`, 400], ['site=nope', 400], [`site=${randomUUID()}`, 404]] as const) {
      const res = await api.fetchCsv(agent, query);
      expect(res.status, query).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(JSON.parse(res.text).error.code).toBe(status === 400 ? 'validation_failed' : 'not_found');
    }
  });
});
