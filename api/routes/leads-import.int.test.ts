// The CSV contact import over real HTTP, Postgres and Redis (docs/import.md): the dry run, the
// import's rules (status, stage, dates, duplicates, invalid rows, quoting), the export round trip,
// webhooks only when asked, undo, tenant isolation, limits, bad input and hostile cells. Each test
// signs up its own realtor: an account may import 20 files and check 200 per hour. How columns
// map (overrides, several email or phone columns, the last contact): leads-import-columns.int.test.ts.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeActivity, makeEvent, makeFilteredInquiry, makeInquiry, makeLead, makeReminder, makeVisitor, makeWebhookEndpoint } from '#test/factories.ts';
import { NAUGHTY_STRINGS } from '#test/hostile-strings.ts';
import { csvOf, importCsv } from '#test/import-csv.ts';
import { useLeadsApi } from '#test/leads-api.ts';
import { IMPORT_CHECKS_PER_ACCOUNT_PER_HOUR, IMPORT_MAX_ROWS, IMPORTS_PER_ACCOUNT_PER_HOUR } from '#core/leads/import-schemas.ts';

const api = useLeadsApi();

async function counts(userId: string): Promise<{ leads: number; imports: number; messages: number }> {
  const [row] = await api.server.sql<{ leads: number; imports: number; messages: number }>(
    `select (select count(*)::int from leads where user_id = $1) as leads, (select count(*)::int from lead_imports where user_id = $1) as imports,
            (select count(*)::int from webhook_messages where user_id = $1) as messages`,
    [userId],
  );
  return row;
}

describe('POST /v1/leads/import', () => {
  it('a dry run answers the column mapping, counts, issues and a preview, and writes nothing', async () => {
    const { client, userId } = await api.makeRealtor();
    await makeLead(api.server, { userId, name: 'Already Here', email: 'here@example.com' });
    const before = await counts(userId);
    const csv = csvOf([
      ['Full Name', 'E-mail', 'Mobile', 'Notes', 'Lead Status', 'Pipeline Stage', 'Date Added', 'Favourite colour'],
      ['Dana Whitaker', 'Dana@Example.com', '555-010-0142', 'Prefers texts', 'Qualified', 'showing', '2025-03-04', 'blue'],
      ['Already Here', 'HERE@example.com', '', '', '', '', '', ''],
      ['', 'not-an-email', '', '', '', '', '', ''],
      ['Sam Porter', '', '', '', 'archived', 'Nowhere', 'yesterday', ''],
    ]);
    const res = await importCsv(client, { csv, dryRun: true, fileName: 'contacts.csv' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      dryRun: true, importId: null, rows: 4, toCreate: 2, duplicates: 1, invalid: 1, warnings: 3, issuesTruncated: false,
      columns: [
        { index: 0, header: 'Full Name', field: 'name' }, { index: 1, header: 'E-mail', field: 'email' }, { index: 2, header: 'Mobile', field: 'phone' },
        { index: 3, header: 'Notes', field: 'contactInfo' }, { index: 4, header: 'Lead Status', field: 'status' }, { index: 5, header: 'Pipeline Stage', field: 'stage' },
        { index: 6, header: 'Date Added', field: 'createdAt' }, { index: 7, header: 'Favourite colour', field: null },
      ],
    });
    expect(res.body.issues).toEqual([
      { line: 3, kind: 'duplicate', field: 'email', message: expect.any(String), leadId: expect.any(String) },
      { line: 4, kind: 'invalid', field: 'email', message: 'Email: Enter a valid email address' },
      { line: 5, kind: 'warning', field: 'status', message: expect.stringContaining('archived') },
      { line: 5, kind: 'warning', field: 'stage', message: expect.stringContaining('Nowhere') },
      { line: 5, kind: 'warning', field: 'createdAt', message: expect.stringContaining('yesterday') },
    ]);
    expect(res.body.preview).toEqual([
      {
        line: 2, name: 'Dana Whitaker', email: 'dana@example.com', phone: '+15550100142', status: 'qualified', stage: 'Showing', contactInfo: 'Prefers texts',
        createdAt: '2025-03-04T00:00:00.000Z', lastContactedAt: null,
      },
      { line: 5, name: 'Sam Porter', email: null, phone: null, status: 'contacted', stage: null, contactInfo: null, createdAt: expect.any(String), lastContactedAt: null },
    ]);
    expect(await counts(userId)).toEqual(before);
  });

  it('imports the rows as leads (status contacted by default, stage by label, dates read), none of them in Today’s "Not contacted yet"', async () => {
    const { client, userId } = await api.makeRealtor();
    const siteId = await api.makeSite(client, 'Birch Realty');
    const started = Date.now();
    const csv = csvOf([
      ['First Name', 'Last Name', 'Email', 'Phone', 'Status', 'Stage', 'Created'],
      ['Dana', 'Whitaker', 'dana@example.com', '(555) 010-0142', '', 'UNDER CONTRACT', '2025-03-04T15:30:00.123456Z'],
      ['Lee', '', '', '+44 20 7946 0958', 'client', '', '7/4/2024'],
      ['', 'Okafor', 'okafor@example.com', '', 'LOST', 'nurturing', '2024-12-31'],
      ['Future', 'Person', 'future@example.com', '', '', '', '2999-01-01'],
    ]);
    const res = await importCsv(client, { csv, fileName: 'old-crm.csv', siteId });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ dryRun: false, importId: expect.any(String), rows: 4, toCreate: 4, duplicates: 0, invalid: 0, warnings: 1 });
    expect(res.body.issues).toEqual([{ line: 5, kind: 'warning', field: 'createdAt', message: expect.stringContaining('future') }]);
    const rows = await api.server.sql<Record<string, any>>(
      `select l.name, l.email, l.phone, l.contact_info, l.status, l.site_id, l.import_id, s.label as stage, l.created_at, l.first_contacted_at, l.score
       from leads l left join pipeline_stages s on s.stage_id = l.stage_id where l.user_id = $1 order by l.name`, [userId],
    );
    expect(rows.map(({ created_at: _, ...r }) => r)).toEqual([
      { name: 'Dana Whitaker', email: 'dana@example.com', phone: '+15550100142', contact_info: 'dana@example.com · +15550100142', status: 'contacted', site_id: siteId, import_id: res.body.importId, stage: 'Under contract', first_contacted_at: null, score: 0 },
      { name: 'Future Person', email: 'future@example.com', phone: null, contact_info: 'future@example.com', status: 'contacted', site_id: siteId, import_id: res.body.importId, stage: null, first_contacted_at: null, score: 0 },
      { name: 'Lee', email: null, phone: '+442079460958', contact_info: '+442079460958', status: 'client', site_id: siteId, import_id: res.body.importId, stage: null, first_contacted_at: null, score: 0 },
      { name: 'Okafor', email: 'okafor@example.com', phone: null, contact_info: 'okafor@example.com', status: 'lost', site_id: siteId, import_id: res.body.importId, stage: 'Nurturing', first_contacted_at: null, score: 0 },
    ]);
    const created = Object.fromEntries((await api.server.sql<{ name: string; at: string }>(
      `select name, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as at from leads where user_id = $1`, [userId],
    )).map((r) => [r.name, r.at]));
    expect(created).toMatchObject({ 'Dana Whitaker': '2025-03-04T15:30:00.123456', Lee: '2024-07-04T00:00:00.000000', Okafor: '2024-12-31T00:00:00.000000' });
    expect(Date.parse(`${created['Future Person']}Z`)).toBeGreaterThanOrEqual(started - 1000);
    expect(await api.server.sql('select file_name, created_count, duplicate_count, invalid_count, notify_webhooks, created_by, undone_at from lead_imports where user_id = $1', [userId]))
      .toEqual([{ file_name: 'old-crm.csv', created_count: 4, duplicate_count: 0, invalid_count: 0, notify_webhooks: false, created_by: userId, undone_at: null }]);

    const today = await client.get('/v1/today');
    expect(today.status).toBe(200);
    expect(today.body.uncontacted).toEqual([]);
    expect(today.body.uncontactedCount).toBe(0);
    // A realtor importing brand-new leads on purpose can say so; those are waiting for a call.
    const fresh = await importCsv(client, { csv: csvOf([['Name', 'Email'], ['New One', 'new-one@example.com']]), defaultStatus: 'new' });
    expect(fresh.status).toBe(201);
    expect((await client.get('/v1/today')).body.uncontacted.map((l: { name: string }) => l.name)).toEqual(['New One']);
  });

  it('skips duplicates of existing leads and of earlier rows, reports invalid rows by line, and reads BOM, CRLF and quoted multi-line cells', async () => {
    const { client, userId } = await api.makeRealtor();
    const { leadId: existing } = await makeLead(api.server, { userId, name: 'Existing', phone: '+15550100300' });
    const csv = '\uFEFFName,Email,Phone,Notes\r\n'
      + 'Ann Lake,ann@example.com,,"Met at the open house,\r\nwants a yard"\r\n'
      + 'Phone Twin,,(555) 010-0300,\r\n'
      + '\r\n'
      + ',,,\r\n'
      + '"Ann, again",ANN@example.com,,\r\n'
      + 'Bo Reed,bo@example.com,555-010-0777,\r\n'
      + 'Bo Phone,,5550100777,\r\n'
      + 'Bell\u0007Name,,,\r\n'
      + ',,,only notes\r\n'
      + 'Bad Phone,,12,\r\n'
      + '"Quote ""Q"" Doe",,,"line one\nline two"\r\n';
    const res = await importCsv(client, { csv });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ rows: 9, toCreate: 3, duplicates: 3, invalid: 3 });
    expect(res.body.issues.map((i: { line: number; kind: string; field: string | null }) => [i.line, i.kind, i.field])).toEqual([
      [4, 'duplicate', 'phone'], [7, 'duplicate', 'email'], [9, 'duplicate', 'phone'], [10, 'invalid', 'name'], [11, 'invalid', null], [12, 'invalid', 'phone'],
    ]);
    expect(res.body.issues[0].leadId).toBe(existing);
    expect(res.body.issues[1].message).toBe('Same email address as line 2');
    expect(res.body.issues[2].message).toBe('Same phone number as line 8');
    const leads = await api.server.sql<{ name: string; contact_info: string }>('select name, contact_info from leads where import_id = $1 order by name', [res.body.importId]);
    expect(leads).toEqual([
      { name: 'Ann Lake', contact_info: 'Met at the open house, · wants a yard' },
      { name: 'Bo Reed', contact_info: 'bo@example.com · +15550100777' },
      { name: 'Quote "Q" Doe', contact_info: 'line one · line two' },
    ]);
  });

  it('imports Porchlight’s own export back: names, contacts, status, stage and creation times as they were', async () => {
    const { client } = await api.makeRealtor();
    const people = [
      { name: 'Round Trip One', email: 'rt1@example.com', phone: '+1 555 010 0401', status: 'qualified', contactInfo: 'Office: ask for Jo' },
      { name: 'Round Trip Two', email: 'rt2@example.com', status: 'client' },
      { name: '=cmd|calc', phone: '555-010-0402', status: 'new' },
    ];
    const ids: string[] = [];
    for (const p of people) {
      const res = await client.post('/v1/leads', p);
      expect(res.status).toBe(201);
      ids.push(res.body.leadId);
    }
    const stages = (await client.get('/v1/pipeline-stages')).body.items as Array<{ stageId: string; label: string }>;
    expect((await client.put(`/v1/leads/${ids[0]}/stage`, { stageId: stages[3].stageId })).status).toBeLessThan(300);
    expect((await client.post(`/v1/leads/${ids[1]}/activities`, { type: 'text', occurredAt: '2026-11-02T15:04:05.000Z' })).status).toBe(201);
    const before = (await client.get('/v1/leads?sort=created')).body.items as Array<Record<string, any>>;
    const exported = await api.fetchCsv(client, '');
    expect(exported.status).toBe(200);
    for (const id of ids) expect((await client.delete(`/v1/leads/${id}`)).status).toBe(204);

    const res = await importCsv(client, { csv: exported.text, fileName: 'leads-export.csv' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ rows: 3, toCreate: 3, duplicates: 0, invalid: 0, warnings: 0 });
    expect(res.body.columns.filter((c: { field: string | null }) => c.field).map((c: { header: string; field: string }) => `${c.header}→${c.field}`)).toEqual([
      'name→name', 'email→email', 'phone→phone', 'contactInfo→contactInfo', 'status→status', 'createdAt→createdAt', 'stage→stage', 'lastContactedAt→lastContactedAt',
    ]);
    const after = (await client.get('/v1/leads?sort=created')).body.items as Array<Record<string, any>>;
    const pick = (l: Record<string, any>) => ({
      name: l.name, email: l.email, phone: l.phone, contactInfo: l.contactInfo, status: l.status, createdAt: l.createdAt, stage: l.stage?.label ?? 'New', lastContactedAt: l.lastContactedAt,
    });
    expect(after.map(pick)).toEqual(before.map(pick));
    expect(before.map((l) => l.lastContactedAt)).toEqual([null, '2026-11-02T15:04:05.000Z', null]);
    // The last contact comes back as a logged contact (a call unless the import says otherwise), naming the file.
    const two = after.find((l) => l.name === 'Round Trip Two')!;
    const activities = (await client.get(`/v1/leads/${two.leadId}/activities`)).body.items as Array<Record<string, any>>;
    expect(activities).toMatchObject([{ type: 'call', occurredAt: '2026-11-02T15:04:05.000Z', body: 'Last contact, from the imported file “leads-export.csv”' }]);
  });

  it('writes lead.created messages only when notifyWebhooks is set, and lead.deleted on undo only then', async () => {
    const { client, userId } = await api.makeRealtor();
    await makeWebhookEndpoint(api.server, { userId, url: 'http://127.0.0.1:9/hook' });
    const quiet = await importCsv(client, { csv: csvOf([['Name', 'Email'], ['Quiet One', 'q1@example.com'], ['Quiet Two', 'q2@example.com']]) });
    expect(quiet.status).toBe(201);
    expect((await counts(userId)).messages).toBe(0);
    const loud = await importCsv(client, { csv: csvOf([['Name', 'Email'], ['Loud One', 'l1@example.com'], ['Loud Two', 'l2@example.com']]), notifyWebhooks: true });
    expect(loud.status).toBe(201);
    const created = await api.server.sql<{ lead_id: string; data: Record<string, unknown>; deliveries: number }>(
      `select m.lead_id, m.payload -> 'data' as data, (select count(*)::int from webhook_deliveries d where d.message_id = m.message_id) as deliveries
       from webhook_messages m where m.user_id = $1 and m.event_type = 'lead.created' order by m.payload -> 'data' ->> 'name'`, [userId],
    );
    expect(created).toEqual([
      { lead_id: expect.any(String), data: expect.objectContaining({ name: 'Loud One', email: 'l1@example.com', status: 'contacted', band: 'cold', score: 0 }), deliveries: 1 },
      { lead_id: expect.any(String), data: expect.objectContaining({ name: 'Loud Two', email: 'l2@example.com', status: 'contacted' }), deliveries: 1 },
    ]);
    expect(created[0].data.leadId).toBe(created[0].lead_id);

    expect((await client.delete(`/v1/leads/imports/${quiet.body.importId}`)).body).toEqual({ deleted: 2 });
    expect(await api.server.sql(`select 1 from webhook_messages where user_id = $1 and event_type = 'lead.deleted'`, [userId])).toHaveLength(0);
    expect((await client.delete(`/v1/leads/imports/${loud.body.importId}`)).body).toEqual({ deleted: 2 });
    const deleted = await api.server.sql<{ lead_id: string | null; id: string }>(`select lead_id, payload -> 'data' ->> 'leadId' as id from webhook_messages where user_id = $1 and event_type = 'lead.deleted' order by 2`, [userId]);
    expect(deleted).toEqual(created.map((c) => ({ lead_id: null, id: c.lead_id })).sort((a, b) => a.id.localeCompare(b.id)));
  });

  it('overlapping imports at once create each person once: a row another import took meanwhile is a duplicate, never a 5xx', async () => {
    const { client, userId } = await api.makeRealtor();
    const people = (from: number, to: number) => csvOf([['Name', 'Email'], ...Array.from({ length: to - from }, (_, i) => [`Racer ${from + i}`, `racer${from + i}@example.com`])]);
    const results = await Promise.all([importCsv(client, { csv: people(0, 200) }), importCsv(client, { csv: people(100, 300) }), importCsv(client, { csv: people(0, 200) })]);
    for (const r of results) expect([201, 400], JSON.stringify(r.body).slice(0, 300)).toContain(r.status);
    const created = results.filter((r) => r.status === 201);
    expect(created.reduce((n, r) => n + r.body.toCreate, 0)).toBe(300);
    expect((await counts(userId)).leads).toBe(300);
    for (const r of created) {
      expect(r.body.toCreate + r.body.duplicates).toBe(200);
      // Each duplicate names the lead that holds the email, whether it was there before or raced in.
      for (const issue of r.body.issues.filter((i: { kind: string }) => i.kind === 'duplicate')) expect(issue.leadId).toEqual(expect.any(String));
    }
    const imports = await api.server.sql<{ created_count: number }>('select created_count from lead_imports where user_id = $1', [userId]);
    expect(imports.map((i) => i.created_count).sort()).toEqual(created.map((r) => r.body.toCreate).sort());
  });

  it('refuses bad input with a 4xx JSON error and writes nothing', async () => {
    const { client, userId } = await api.makeRealtor();
    const before = await counts(userId);
    const cases: Array<[string, Record<string, unknown>, number, string?]> = [
      ['unclosed quote', { csv: 'Name,Email\r\nAnn,ann@example.com\r\n"Bo,bo@example.com\r\n' }, 400],
      ['empty file', { csv: '' }, 400],
      ['no name, email or phone column', { csv: 'Colour,Size\nblue,3\n' }, 400],
      ['too many rows', { csv: `Name\n${Array.from({ length: IMPORT_MAX_ROWS + 1 }, (_, i) => `P${i}`).join('\n')}\n` }, 400],
      ['nothing to import', { csv: 'Name,Email\n,not-an-email\n' }, 400],
      ['header only', { csv: 'Name,Email\n' }, 400],
      ['csv not a string', { csv: 5 }, 400],
      ['no csv', { dryRun: true }, 400],
      ['dryRun not a boolean', { csv: 'Name\nAnn\n', dryRun: 'yes' }, 400],
      ['unknown status', { csv: 'Name\nAnn\n', defaultStatus: 'archived' }, 400],
      ['unknown key', { csv: 'Name\nAnn\n', mode: 'merge' }, 400],
      ['file name with control characters', { csv: 'Name\nAnn\n', fileName: 'a\u0000b.csv' }, 400],
      ['unknown field in columns', { csv: 'Name\nAnn\n', columns: ['nickname'] }, 400],
      ['site of nobody', { csv: 'Name\nAnn\n', siteId: randomUUID() }, 404],
      ['site not a uuid', { csv: 'Name\nAnn\n', siteId: 'birch' }, 400],
    ];
    for (const [what, body, status] of cases) {
      const res = await importCsv(client, body);
      expect(res.status, `${what}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(status);
      expect(res.body.error.code, what).toBe(status === 404 ? 'not_found' : 'validation_failed');
    }
    const unclosed = await importCsv(client, { csv: 'Name,Email\r\nAnn,ann@example.com\r\n"Bo,bo@example.com\r\n' });
    expect(unclosed.body.error.details).toEqual([expect.objectContaining({ path: 'csv', line: 3 })]);
    expect((await importCsv(client, { csv: 'Colour\nblue\n' })).body.error.message).toBe('No column holds a name, an email address or a phone number');
    expect((await importCsv(client, { csv: 'Name,Email\n,not-an-email\n' })).body.error.message).toMatch(/^Nothing to import: /);
    const oversized = await client.request('POST', '/v1/leads/import', { raw: JSON.stringify({ csv: 'x'.repeat(3.5 * 1024 * 1024) }), contentType: 'application/json' });
    expect(oversized.status).toBe(413);
    expect(oversized.body.error.code).toBe('payload_too_large');
    const notJson = await client.request('POST', '/v1/leads/import', { raw: 'Name\nAnn\n', contentType: 'text/csv' });
    expect(notJson.status).toBe(415);
    expect(await counts(userId)).toEqual(before);
  });

  it('treats hostile cells as POST /v1/leads treats the same text: stored as it would be, or the row reported invalid; never a 5xx', async () => {
    const { client, userId } = await api.makeRealtor();
    // Text a JSON body cannot carry into Postgres (NUL; lone surrogates, which UTF-8 cannot encode) is refused for the whole
    // request, as on every route (hostile-corpus); the rest go one per row, as the name and as the notes.
    const unsendable = (v: string) => v.includes('\u0000') || Buffer.from(v).toString() !== v;
    const cells = NAUGHTY_STRINGS.filter((v) => !unsendable(v));
    const csv = csvOf([['Name', 'Email', 'Notes'], ...cells.map((v, i) => [v, `hostile${i}@example.com`, v])]);
    const res = await importCsv(client, { csv, fileName: 'hostile.csv' });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
    // Every line accounted for once: created, or an invalid row (a blank one is skipped, not counted).
    const invalidLines = new Set(res.body.issues.filter((i: { kind: string }) => i.kind === 'invalid').map((i: { line: number }) => i.line));
    expect(res.body.toCreate + res.body.invalid).toBe(res.body.rows);
    const stored = new Map((await api.server.sql<{ email: string; name: string | null; contact_info: string | null }>('select email, name, contact_info from leads where user_id = $1', [userId])).map((r) => [r.email, r]));
    expect(stored.size).toBe(res.body.toCreate);
    // The same text through POST /v1/leads, folded as the import folds a cell's line breaks and tabs.
    // (A cell is trimmed first, as a spreadsheet's cell would be.)
    const cellOf = (v: string) => v.replace(/\r\n?/g, '\n').trim();
    const fold = (v: string) => cellOf(v).replace(/\s*\n\s*|\t/g, ' ').trim();
    let lineAt = 2;
    for (const [i, v] of cells.entries()) {
      const line = lineAt;
      // The row's two cells (name and notes) both hold v: each of its line breaks moves the next row's line twice.
      lineAt += 2 * (v.replace(/\r\n?/g, '\n').match(/\n/g) ?? []).length + 1;
      const byHand = await client.post('/v1/leads', { name: fold(v) || null, email: `by-hand${i}@example.com`, contactInfo: cellOf(v).replace(/\s*\n\s*/g, ' · ').replace(/\t/g, ' ') || null });
      expect(byHand.status, `POST /v1/leads with ${JSON.stringify(v).slice(0, 40)}`).toBeLessThan(500);
      const lead = stored.get(`hostile${i}@example.com`);
      if (byHand.status === 201) {
        expect(lead, `line ${line} (${JSON.stringify(v).slice(0, 40)}) was refused by the import but taken by hand`).toBeDefined();
        expect(lead?.name ?? null, `line ${line}`).toBe(byHand.body.name);
        if (byHand.body.contactInfo !== `by-hand${i}@example.com`) expect(lead?.contact_info ?? null, `line ${line}`).toBe(byHand.body.contactInfo);
      } else {
        expect(lead, `line ${line} (${JSON.stringify(v).slice(0, 40)}) was imported but refused by hand (${byHand.status})`).toBeUndefined();
        expect(invalidLines.has(line), `line ${line} reported invalid`).toBe(true);
      }
    }
    // A file carrying a NUL is refused whole, and writes nothing.
    const before = await counts(userId);
    const nul = await importCsv(client, { csv: 'Name,Email\r\na\u0000b,nul@example.com\r\n' });
    expect(nul.status).toBe(400);
    expect(await counts(userId)).toEqual(before);
  });

  it(`answers 429 with Retry-After past ${IMPORTS_PER_ACCOUNT_PER_HOUR} imports or ${IMPORT_CHECKS_PER_ACCOUNT_PER_HOUR} dry runs per account per hour, two budgets`, async () => {
    const { client } = await api.makeRealtor();
    const limited = (res: Awaited<ReturnType<typeof importCsv>>) => {
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    };
    for (let i = 0; i < IMPORTS_PER_ACCOUNT_PER_HOUR; i++) expect((await importCsv(client, { csv: `Name\nAnn ${i}\n` })).status).toBe(201);
    limited(await importCsv(client, { csv: 'Name\nAnn again\n' }));
    // The imports' budget spent, the file can still be checked: a dry run does not spend it, nor the reverse.
    for (let i = 0; i < IMPORT_CHECKS_PER_ACCOUNT_PER_HOUR; i++) expect((await importCsv(client, { csv: 'Name\nBo\n', dryRun: true })).status).toBe(200);
    limited(await importCsv(client, { csv: 'Name\nBo\n', dryRun: true }));
    // Another account has its own budgets.
    const other = await api.makeRealtor();
    expect((await importCsv(other.client, { csv: 'Name\nAnn\n', dryRun: true })).status).toBe(200);
    expect((await importCsv(other.client, { csv: 'Name\nAnn\n' })).status).toBe(201);
  });

  it('imports 5,000 rows in one request, and undoes them (timings logged)', { timeout: 120_000 }, async () => {
    const { client, userId } = await api.makeRealtor();
    const rows = Array.from({ length: IMPORT_MAX_ROWS }, (_, i) => [
      `Bulk Person ${i}`, `bulk${i}@example.com`, `+1555010${String(i).padStart(4, '0')}`, i % 3 ? 'Qualified' : '', i % 4 ? 'Showing' : '', '2024-05-06', 'From the old CRM',
      i % 2 ? '2025-01-02T10:00:00Z' : '',
    ]);
    const csv = csvOf([['Name', 'Email', 'Phone', 'Status', 'Stage', 'Created', 'Notes', 'Last contacted'], ...rows]);
    const dryStarted = performance.now();
    const dry = await importCsv(client, { csv, dryRun: true });
    const dryMs = performance.now() - dryStarted;
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ rows: IMPORT_MAX_ROWS, toCreate: IMPORT_MAX_ROWS, duplicates: 0, invalid: 0 });
    const started = performance.now();
    const res = await importCsv(client, { csv, fileName: 'big.csv', notifyWebhooks: true });
    const importMs = performance.now() - started;
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(201);
    expect(res.body.toCreate).toBe(IMPORT_MAX_ROWS);
    expect((await counts(userId)).leads).toBe(IMPORT_MAX_ROWS);
    expect(await api.server.sql(`select count(*)::int as n, count(*) filter (where l.last_contacted_at = a.occurred_at)::int as matching
      from lead_activities a join leads l on l.lead_id = a.lead_id where a.user_id = $1`, [userId])).toEqual([{ n: IMPORT_MAX_ROWS / 2, matching: IMPORT_MAX_ROWS / 2 }]);
    const again = await importCsv(client, { csv, dryRun: true });
    expect(again.body).toMatchObject({ toCreate: 0, duplicates: IMPORT_MAX_ROWS, issuesTruncated: true });
    expect(again.body.issues).toHaveLength(200);
    const undoStarted = performance.now();
    const undo = await client.delete(`/v1/leads/imports/${res.body.importId}`);
    const undoMs = performance.now() - undoStarted;
    expect(undo.body).toEqual({ deleted: IMPORT_MAX_ROWS });
    expect((await counts(userId)).leads).toBe(0);
    expect(await api.server.sql('select count(*)::int as n from lead_activities where user_id = $1', [userId])).toEqual([{ n: 0 }]);
    console.log(`5,000-row import: dry run ${Math.round(dryMs)} ms, import with notifyWebhooks ${Math.round(importMs)} ms, undo ${Math.round(undoMs)} ms`);
  });
});

describe('GET /v1/leads/imports and DELETE /v1/leads/imports/:id (undo)', () => {
  it('undo erases exactly the import’s remaining leads and what hangs off them; a second undo deletes 0', async () => {
    const { client, userId } = await api.makeRealtor();
    const siteId = await api.makeSite(client, 'Undo Realty');
    const { leadId: mine } = await makeLead(api.server, { userId, name: 'Entered by hand', email: 'hand@example.com' });
    const res = await importCsv(client, { csv: csvOf([['Name', 'Email', 'Phone'], ['Imp One', 'imp1@example.com', ''], ['Imp Two', 'imp2@example.com', '555-010-0901'], ['Imp Three', '', '555-010-0902']]), fileName: 'undo.csv' });
    expect(res.status).toBe(201);
    const importId = res.body.importId;
    const [one, two, three] = (await api.server.sql<{ lead_id: string }>('select lead_id from leads where import_id = $1 order by name', [importId])).map((r) => r.lead_id);
    // The realtor deleted one of them already; the others gathered history since.
    expect((await client.delete(`/v1/leads/${three}`)).status).toBe(204);
    await makeReminder(api.server, { leadId: one, userId });
    await makeActivity(api.server, { leadId: one, userId, type: 'note', body: 'Called' });
    await makeInquiry(api.server, { leadId: two, siteId });
    const { visitorId } = await makeVisitor(api.server, { siteId, leadId: two });
    await makeEvent(api.server, { siteId, leadId: two, visitorId });
    await makeFilteredInquiry(api.server, { userId, siteId, email: 'imp1@example.com' });

    const listed = await client.get('/v1/leads/imports');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([{
      importId, fileName: 'undo.csv', createdAt: expect.any(String), created: 3, duplicates: 0, invalid: 0, remaining: 2, undoneAt: null, notifyWebhooks: false,
    }]);

    const undo = await client.delete(`/v1/leads/imports/${importId}`);
    expect(undo.status).toBe(200);
    expect(undo.body).toEqual({ deleted: 2 });
    const left = await api.server.sql<Record<string, number>>(
      `select (select count(*)::int from leads where user_id = $1) as leads,
              (select count(*)::int from follow_up_reminders where user_id = $1) as reminders,
              (select count(*)::int from lead_activities where user_id = $1) as activities,
              (select count(*)::int from inquiries where site_id = $2) as inquiries,
              (select count(*)::int from visitors where site_id = $2) as visitors,
              (select count(*)::int from lead_analytics where site_id = $2) as events,
              (select count(*)::int from filtered_inquiries where user_id = $1) as held`, [userId, siteId],
    );
    expect(left).toEqual([{ leads: 1, reminders: 0, activities: 0, inquiries: 0, visitors: 0, events: 0, held: 0 }]);
    expect((await client.get(`/v1/leads/${mine}`)).status).toBe(200);

    const second = await client.delete(`/v1/leads/imports/${importId}`);
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ deleted: 0 });
    const [item] = (await client.get('/v1/leads/imports')).body.items;
    expect(item).toMatchObject({ importId, remaining: 0, created: 3, undoneAt: expect.any(String) });
    expect(Date.parse(item.undoneAt)).toBeGreaterThanOrEqual(Date.parse(item.createdAt));
  });

  it('GET /v1/leads and the CSV export filter by importId: that import’s leads still there, whatever their dates; another account’s import is a 404', async () => {
    const alice = await api.makeRealtor();
    const bob = await api.makeRealtor();
    await makeLead(api.server, { userId: alice.userId, name: 'Entered By Hand', email: 'hand@example.com' });
    const first = await importCsv(alice.client, { csv: 'Name,Email,Created\nOld Friend,old@example.com,2019-04-05\nNew Friend,new@example.com,\n' });
    const second = await importCsv(alice.client, { csv: 'Name,Email\nOther File,other@example.com\n' });
    expect([first.status, second.status]).toEqual([201, 201]);
    const names = (res: { body: { items: Array<{ name: string }> } }) => res.body.items.map((l) => l.name).sort();
    const listed = await alice.client.get(`/v1/leads?importId=${first.body.importId}&sort=created`);
    expect(listed.status).toBe(200);
    expect(names(listed)).toEqual(['New Friend', 'Old Friend']);
    // With another filter, and in the export.
    expect(names(await alice.client.get(`/v1/leads?importId=${first.body.importId}&q=old`))).toEqual(['Old Friend']);
    const csv = await alice.client.get(`/v1/leads/export.csv?importId=${first.body.importId}`);
    expect(csv.status).toBe(200);
    expect(String(csv.body)).toContain('old@example.com');
    expect(String(csv.body)).not.toContain('other@example.com');
    expect(String(csv.body)).not.toContain('hand@example.com');
    // A lead deleted since is not listed.
    await alice.client.delete(`/v1/leads/${listed.body.items.find((l: { name: string }) => l.name === 'Old Friend').leadId}`);
    expect(names(await alice.client.get(`/v1/leads?importId=${first.body.importId}`))).toEqual(['New Friend']);
    // Bob cannot list Alice's import, nor export it; an unknown id is the same 404; a malformed one a 400.
    for (const path of [`/v1/leads?importId=${first.body.importId}`, `/v1/leads/export.csv?importId=${first.body.importId}`, `/v1/leads?importId=${randomUUID()}`]) {
      const res = await bob.client.get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code, path).toBe('not_found');
    }
    expect((await bob.client.get('/v1/leads?importId=nope')).status).toBe(400);
  });

  it('another account gets 404 on undo, never sees the import, and its leads stay', async () => {
    const alice = await api.makeRealtor();
    const bob = await api.makeRealtor();
    const res = await importCsv(alice.client, { csv: 'Name,Email\nAlice Contact,alice-contact@example.com\n', fileName: 'alice.csv' });
    expect(res.status).toBe(201);
    const bobs = await bob.client.delete(`/v1/leads/imports/${res.body.importId}`);
    expect(bobs.status).toBe(404);
    expect(bobs.body.error.code).toBe('not_found');
    expect((await bob.client.delete(`/v1/leads/imports/${randomUUID()}`)).status).toBe(404);
    expect((await bob.client.delete('/v1/leads/imports/not-an-id')).status).toBe(404);
    expect((await bob.client.get('/v1/leads/imports')).body).toEqual({ items: [] });
    expect((await counts(alice.userId)).leads).toBe(1);
    expect((await alice.client.get('/v1/leads/imports')).body.items).toHaveLength(1);
    // The same people may be imported by another account: duplicates are per account.
    const bobsImport = await importCsv(bob.client, { csv: 'Name,Email\nAlice Contact,alice-contact@example.com\n' });
    expect(bobsImport.body).toMatchObject({ toCreate: 1, duplicates: 0 });
  });

  it('lists the latest 20 imports, newest first; /v1/leads/imports is not read as a lead id', async () => {
    const { client } = await api.makeRealtor();
    for (let i = 0; i < 3; i++) expect((await importCsv(client, { csv: `Name\nPerson ${i}\n`, fileName: `f${i}.csv` })).status).toBe(201);
    const listed = await client.get('/v1/leads/imports');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((i: { fileName: string }) => i.fileName)).toEqual(['f2.csv', 'f1.csv', 'f0.csv']);
  });
});
