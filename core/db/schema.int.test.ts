import { describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';

const t = useTestOrm();

// The seed's five tables and columns are a contract: names and types must not drift.
const SEED_COLUMNS: Record<string, Record<string, string>> = {
  users: { user_id: 'uuid', username: 'character varying', email: 'character varying', password_hash: 'text', created_at: 'timestamp with time zone' },
  leads: { lead_id: 'uuid', user_id: 'uuid', name: 'character varying', contact_info: 'character varying', score: 'integer', created_at: 'timestamp with time zone' },
  inquiries: { inquiry_id: 'uuid', lead_id: 'uuid', message: 'text', created_at: 'timestamp with time zone' },
  lead_analytics: { analytic_id: 'uuid', lead_id: 'uuid', event_type: 'character varying', event_value: 'character varying', event_date: 'timestamp with time zone' },
  follow_up_reminders: { reminder_id: 'uuid', lead_id: 'uuid', reminder_date: 'timestamp with time zone', reminder_message: 'text', created_at: 'timestamp with time zone' },
};

describe('database schema', () => {
  it('matches the entities exactly (migrations and entities agree)', async () => {
    const diff = await t.orm.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
    expect(diff.trim()).toBe('');
  });

  it.each(Object.entries(SEED_COLUMNS))('keeps the seed table %s with its columns and types', async (table, columns) => {
    const { rows } = await t.pool.query<{ column_name: string; data_type: string }>(
      'select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = $2',
      ['public', table],
    );
    const actual = Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]));
    for (const [name, type] of Object.entries(columns)) expect(actual[name], `${table}.${name}`).toBe(type);
  });

  it('has the indexes the dashboard and ingestion queries rely on', async () => {
    const { rows } = await t.pool.query<{ indexname: string }>(`select indexname from pg_indexes where schemaname = 'public'`);
    const names = rows.map((r) => r.indexname);
    expect(names).toEqual(expect.arrayContaining([
      'leads_user_score_index', 'leads_user_activity_index', 'leads_user_email_unique', 'leads_user_phone_unique',
      'lead_analytics_site_visitor_index', 'lead_analytics_lead_date_index', 'lead_analytics_keys_pkey',
      'follow_up_reminders_pending_due_index', 'webhook_deliveries_pending_index', 'sites_public_key_unique',
    ]));
  });

  it('indexes only identified leads\' events by (lead_id, event_date): anonymous page views skip it', async () => {
    const [row] = (await t.pool.query<{ indexdef: string }>(`select indexdef from pg_indexes where schemaname = 'public' and indexname = 'lead_analytics_lead_date_index'`)).rows;
    expect(row.indexdef).toMatch(/\(lead_id, event_date DESC\) WHERE \(lead_id IS NOT NULL\)$/);
  });

  it('keeps 300-entry statistics on the searched lead column, so a rare search term is estimated rare', async () => {
    const { rows } = await t.pool.query<{ attname: string; attstattarget: number }>(
      `select attname, attstattarget from pg_attribute where attrelid = 'leads'::regclass and attname in ('search_text', 'name', 'email', 'phone') order by attname`,
    );
    // -1: the default (100); the three fields are searched through search_text only.
    expect(rows).toEqual([
      { attname: 'email', attstattarget: -1 }, { attname: 'name', attstattarget: -1 }, { attname: 'phone', attstattarget: -1 }, { attname: 'search_text', attstattarget: 300 },
    ]);
  });

  it('keeps leads.search_text as the lower-cased name, email and phone joined by U+001F, through every write', async () => {
    const [{ user_id: userId }] = (await t.pool.query<{ user_id: string }>(
      `insert into users (user_id, username, email, password_hash) values (gen_random_uuid(), 'search-text', 'search-text@example.com', 'x') returning user_id`,
    )).rows;
    const [{ lead_id: leadId, search_text: inserted }] = (await t.pool.query<{ lead_id: string; search_text: string }>(
      `insert into leads (lead_id, user_id, name, email) values (gen_random_uuid(), $1, 'Siobhán O''Brien', 'sob@example.com') returning lead_id, search_text`, [userId],
    )).rows;
    expect(inserted).toBe("siobhán o'brien\u001fsob@example.com\u001f");
    // A separator in a field (no write path lets one through, but a row could predate that) is dropped.
    await t.pool.query(`update leads set name = 'a' || chr(31) || 'b' where lead_id = $1`, [leadId]);
    expect((await t.pool.query(`select search_text from leads where lead_id = $1`, [leadId])).rows[0].search_text).toBe('ab\u001fsob@example.com\u001f');
    const [{ search_text: updated }] = (await t.pool.query<{ search_text: string }>(
      `update leads set phone = '+15550100199', name = null where lead_id = $1 returning search_text`, [leadId],
    )).rows;
    expect(updated).toBe('\u001fsob@example.com\u001f+15550100199');
  });
});
