// How the CSV import maps a file's columns, over real HTTP, Postgres and Redis (docs/import.md,
// "Columns recognised"): a `columns` override, email and phone from several columns (and several
// values in one Google Contacts cell), and a "Last contacted" column logged as a contact. The rest
// of the import: leads-import.int.test.ts (a file of its own: a test server allows 20 signups an hour per address).
import { describe, expect, it } from 'vitest';
import { csvOf, importCsv } from '#test/import-csv.ts';
import { useLeadsApi } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('POST /v1/leads/import: columns', () => {
  it('a columns override maps the columns instead of the header (null ignores one)', async () => {
    const { client, userId } = await api.makeRealtor();
    const csv = csvOf([['Col A', 'Col B', 'Email'], ['Rae Quinn', 'rae@example.com', 'ignored@example.com']]);
    const detected = await importCsv(client, { csv, dryRun: true });
    expect(detected.status).toBe(200);
    expect(detected.body.columns.map((c: { field: string | null }) => c.field)).toEqual([null, null, 'email']);
    const res = await importCsv(client, { csv, columns: ['name', 'email', null] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.columns.map((c: { field: string | null }) => c.field)).toEqual(['name', 'email', null]);
    expect(await api.server.sql('select name, email from leads where user_id = $1', [userId])).toEqual([{ name: 'Rae Quinn', email: 'rae@example.com' }]);
    for (const columns of [['name', 'email'], ['name', 'name', null], [null, null, null], ['nickname', null, null]]) {
      const bad = await importCsv(client, { csv, columns });
      expect(bad.status, JSON.stringify(columns)).toBe(400);
      expect(bad.body.error.code).toBe('validation_failed');
    }
    expect(await api.server.sql('select count(*)::int as n from leads where user_id = $1', [userId])).toEqual([{ n: 1 }]);
  });

  it('takes a row’s email and phone from the first of their columns holding a valid one (an Outlook file: mobile, then home, then business phone), the others into its contact info', async () => {
    const { client, userId } = await api.makeRealtor();
    const csv = csvOf([
      ['First Name', 'Last Name', 'E-mail Address', 'E-mail 2 Address', 'Home Phone', 'Business Phone', 'Mobile Phone'],
      ['Ana', 'Mobile', 'ana@example.com', 'ana.work@example.com', '555-010-0201', '555-010-0202', '555-010-0203'],
      ['Ben', 'Home', '', 'ben@example.com', '555-010-0211', '555-010-0212', ''],
      ['Cleo', 'Business', '', '', '', '555-010-0222', ''],
      ['Dev', 'Typo', 'not-an-email', 'dev@example.com', '555-010-0231', '', 'n/a'],
      ['Eve', 'Broken', 'eve-at-example', '', '', '', ''],
    ]);
    const dry = await importCsv(client, { csv, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.columns.slice(2)).toEqual([
      { index: 2, header: 'E-mail Address', field: 'email', choice: 1 }, { index: 3, header: 'E-mail 2 Address', field: 'email', choice: 2 },
      { index: 4, header: 'Home Phone', field: 'phone', choice: 2 }, { index: 5, header: 'Business Phone', field: 'phone', choice: 3 },
      { index: 6, header: 'Mobile Phone', field: 'phone', choice: 1 },
    ]);
    // A row with no valid value in any of the columns is reported with the first filled cell's problem.
    expect(dry.body.issues).toEqual([{ line: 6, kind: 'invalid', field: 'email', message: 'Email: Enter a valid email address' }]);
    const res = await importCsv(client, { csv });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await api.server.sql('select name, email, phone, contact_info from leads where user_id = $1 order by name', [userId])).toEqual([
      { name: 'Ana Mobile', email: 'ana@example.com', phone: '+15550100203', contact_info: 'ana@example.com · +15550100203 · +15550100201 · +15550100202 · ana.work@example.com' },
      { name: 'Ben Home', email: 'ben@example.com', phone: '+15550100211', contact_info: 'ben@example.com · +15550100211 · +15550100212' },
      { name: 'Cleo Business', email: null, phone: '+15550100222', contact_info: '+15550100222' },
      { name: 'Dev Typo', email: 'dev@example.com', phone: '+15550100231', contact_info: 'dev@example.com · +15550100231' },
    ]);
    // A Google Contacts cell with several values (" ::: "): the first valid one, the others to the contact info.
    const googleCsv = csvOf([
      ['First Name', 'Last Name', 'E-mail 1 - Label', 'E-mail 1 - Value', 'Phone 1 - Label', 'Phone 1 - Value', 'Labels'],
      ['Hana', 'Google', '* Home', 'hana@example.com ::: hana.old@example.com', 'Mobile', 'call me ::: 555-010-0261 ::: 555-010-0262', '* myContacts ::: Buyers'],
    ]);
    expect((await importCsv(client, { csv: googleCsv })).status).toBe(201);
    expect(await api.server.sql(`select name, email, phone, contact_info from leads where user_id = $1 and name = 'Hana Google'`, [userId])).toEqual([
      { name: 'Hana Google', email: 'hana@example.com', phone: '+15550100261', contact_info: 'hana@example.com · +15550100261 · +15550100262 · hana.old@example.com' },
    ]);
    // Mapped by hand: the columns of one field are tried by their header's rank, then left to right.
    const second = await api.makeRealtor();
    const manual = csvOf([['Name', 'Cell #2', 'Tel'], ['Fay Hand', '555-010-0241', '555-010-0242'], ['Gus Hand', '', '555-010-0252']]);
    const mapped = await importCsv(second.client, { csv: manual, columns: ['name', 'phone', 'phone'] });
    expect(mapped.status, JSON.stringify(mapped.body)).toBe(201);
    expect(mapped.body.columns.map((c: { choice?: number }) => c.choice)).toEqual([undefined, 2, 1]);
    expect(await api.server.sql('select name, phone from leads where user_id = $1 order by name', [second.userId])).toEqual([
      { name: 'Fay Hand', phone: '+15550100242' }, { name: 'Gus Hand', phone: '+15550100252' },
    ]);
  });

  it('logs a row’s "Last contacted" date as a contact of the chosen type: the lead counts as contacted, and is not waiting for a first call', async () => {
    const { client, userId } = await api.makeRealtor();
    const csv = csvOf([
      ['Name', 'Email', 'Status', 'Last Contacted'],
      ['Lia Recent', 'lia@example.com', 'new', '2026-11-20'],
      ['Max Ancient', 'max@example.com', '', '1/15/2010'],
      ['Ned Ahead', 'ned@example.com', '', '2999-01-01'],
      ['Ola Vague', 'ola@example.com', '', 'last week'],
      ['Pat Never', 'pat@example.com', 'new', ''],
    ]);
    const dry = await importCsv(client, { csv, dryRun: true, contactType: 'email' });
    expect(dry.status).toBe(200);
    expect(dry.body.columns[3]).toEqual({ index: 3, header: 'Last Contacted', field: 'lastContactedAt' });
    expect(dry.body.preview.map((r: { lastContactedAt: string | null }) => r.lastContactedAt)).toEqual(['2026-11-20T00:00:00.000Z', null, null, null, null]);
    expect(dry.body.issues.map((i: { line: number; field: string; message: string }) => `${i.line} ${i.field}: ${i.message}`)).toEqual([
      '3 lastContactedAt: "1/15/2010" is more than ten years ago: no contact is logged',
      '4 lastContactedAt: "2999-01-01" is in the future: no contact is logged',
      '5 lastContactedAt: "last week" is not a date (use YYYY-MM-DD, M/D/YYYY or ISO 8601): no contact is logged',
    ]);
    expect(await api.server.sql('select count(*)::int as n from lead_activities where user_id = $1', [userId])).toEqual([{ n: 0 }]);

    const res = await importCsv(client, { csv, contactType: 'email', fileName: 'crm.csv' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await api.server.sql(
      `select l.name, l.first_contacted_at = '2026-11-20T00:00:00Z' as first_ok, l.last_contacted_at = '2026-11-20T00:00:00Z' as last_ok,
         a.type, a.body, a.actor_user_id = l.user_id as by_importer
       from leads l left join lead_activities a on a.lead_id = l.lead_id where l.user_id = $1 and l.first_contacted_at is not null`,
      [userId],
    )).toEqual([{ name: 'Lia Recent', first_ok: true, last_ok: true, type: 'email', body: 'Last contact, from the imported file “crm.csv”', by_importer: true }]);
    expect(await api.server.sql('select count(*)::int as n from lead_activities where user_id = $1', [userId])).toEqual([{ n: 1 }]);
    // Lia is `new` but was contacted: only Pat waits for a first call.
    expect((await client.get('/v1/today')).body.uncontacted.map((l: { name: string }) => l.name)).toEqual(['Pat Never']);
    // The lead analytics count her as contacted (lead_daily_counts, kept by the insert's trigger).
    expect(await api.server.sql('select contacted, sum(n)::int as n from lead_daily_counts where user_id = $1 group by 1 order by 1', [userId]))
      .toEqual([{ contacted: false, n: 4 }, { contacted: true, n: 1 }]);
    // Undo takes the logged contact with the lead.
    expect((await client.delete(`/v1/leads/imports/${res.body.importId}`)).status).toBe(200);
    expect(await api.server.sql('select count(*)::int as n from lead_activities where user_id = $1', [userId])).toEqual([{ n: 0 }]);
    const bad = await importCsv(client, { csv, contactType: 'note' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('contactType');
  });

});
