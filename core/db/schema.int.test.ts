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

  it('keeps 300-entry statistics on the searched lead columns, so a rare search term is estimated rare', async () => {
    const { rows } = await t.pool.query<{ attname: string; attstattarget: number }>(
      `select attname, attstattarget from pg_attribute where attrelid = 'leads'::regclass and attname in ('name', 'email', 'phone') order by attname`,
    );
    expect(rows).toEqual([{ attname: 'email', attstattarget: 300 }, { attname: 'name', attstattarget: 300 }, { attname: 'phone', attstattarget: 300 }]);
  });
});
