import { describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { db, type DB } from './kysely.ts';

const t = useTestOrm();

// Exactly the column names of the DB type: the object literal fails the type check when the type
// lacks a listed column or has one not listed, and the test below compares it with Postgres.
type Columns = { [T in keyof DB]: { [C in keyof DB[T]]-?: true } };
const COLUMNS: Columns = {
  users: { user_id: true, username: true, email: true, password_hash: true, created_at: true, email_verified_at: true, deleted_at: true },
  sessions: { session_id: true, token_hash: true, user_id: true, csrf_token: true, created_at: true, expires_at: true, last_seen_at: true, ip: true, user_agent: true },
  api_keys: { api_key_id: true, user_id: true, name: true, prefix: true, key_hash: true, scope: true, created_at: true, expires_at: true, last_used_at: true },
  sites: { site_id: true, user_id: true, name: true, public_key: true, allowed_origins: true, settings: true, enabled: true, last_event_at: true, last_event_origin: true, created_at: true, updated_at: true },
  leads: {
    lead_id: true, user_id: true, name: true, contact_info: true, score: true, created_at: true, site_id: true, email: true, phone: true, status: true,
    score_breakdown: true, score_band: true, last_activity_at: true, updated_at: true, needs_rescore: true, scored_at: true,
    stage_id: true, stage_changed_at: true, first_contacted_at: true, last_contacted_at: true, first_inquiry_at: true, first_inquiry_site_id: true,
    search_text: true, import_id: true,
  },
  lead_imports: {
    import_id: true, user_id: true, created_by: true, file_name: true, created_count: true, duplicate_count: true, invalid_count: true, notify_webhooks: true, created_at: true, undone_at: true,
  },
  pipeline_stages: { stage_id: true, user_id: true, key: true, label: true, position: true, outcome: true, created_at: true, updated_at: true },
  lead_activities: {
    activity_id: true, user_id: true, lead_id: true, actor_user_id: true, type: true, outcome: true, body: true, meta: true, occurred_at: true, created_at: true, updated_at: true,
  },
  listings: {
    listing_id: true, user_id: true, site_id: true, listing_ref: true, title: true, url: true, image_url: true, first_seen_at: true, last_seen_at: true, created_at: true, updated_at: true,
    title_seen_at: true, url_seen_at: true, image_seen_at: true,
  },
  analytics_daily: { site_id: true, day: true, event_type: true, listing_ref: true, user_id: true, events: true },
  analytics_daily_totals: { site_id: true, hour: true, event_type: true, user_id: true, events: true },
  analytics_listing_weeks: { site_id: true, week: true, listing_ref: true, user_id: true, views: true },
  lead_band_counts: { count_id: true, user_id: true, site_id: true, score_band: true, n: true, compacted: true },
  lead_daily_counts: { count_id: true, user_id: true, site_id: true, hour: true, stage_id: true, contacted: true, n: true, compacted: true },
  speed_daily_counts: { count_id: true, user_id: true, site_id: true, hour: true, leads: true, contacted: true, within_5m: true, within_1h: true, compacted: true },
  inquiry_daily_counts: { count_id: true, site_id: true, hour: true, source: true, n: true, compacted: true },
  visitor_daily_counts: { count_id: true, site_id: true, hour: true, visitors: true, leads: true, compacted: true },
  analytics_rollup_state: { name: true, watermark: true, updated_at: true },
  inquiries: { inquiry_id: true, lead_id: true, message: true, created_at: true, site_id: true, source: true, listing_ref: true, page_url: true, client_event_id: true,
    unverified: true, consent_text: true, consent_version: true, consent_at: true },
  lead_analytics: {
    analytic_id: true, lead_id: true, event_type: true, event_value: true, event_date: true, site_id: true, visitor_id: true, client_event_id: true,
    listing_ref: true, page_url: true, props: true, received_at: true,
  },
  lead_analytics_keys: { site_id: true, client_event_id: true, received_at: true },
  visitors: { site_id: true, visitor_id: true, lead_id: true, first_seen_at: true, last_seen_at: true, stitched_at: true },
  follow_up_reminders: {
    reminder_id: true, lead_id: true, reminder_date: true, reminder_message: true, created_at: true, user_id: true, kind: true, status: true, fired_at: true, completed_at: true, auto_rule: true,
  },
  reminder_settings: {
    user_id: true, hot_lead_enabled: true, hot_lead_delay_minutes: true, inquiry_unanswered_enabled: true, inquiry_unanswered_hours: true, created_at: true, updated_at: true,
  },
  scoring_rules: { scoring_rules_id: true, user_id: true, version: true, rules: true, created_at: true, rescore_total: true, rescore_done: true, rescore_finished_at: true, rescore_progressed_at: true },
  webhook_endpoints: {
    endpoint_id: true, user_id: true, url: true, description: true, secret: true, previous_secret: true, previous_secret_expires_at: true, event_types: true,
    enabled: true, disabled_reason: true, failing_since: true, created_at: true, updated_at: true,
    consecutive_failures: true, breaker_until: true, breaker_step: true, last_success_at: true, disabled_at: true,
  },
  webhook_messages: { message_id: true, user_id: true, lead_id: true, event_type: true, payload: true, created_at: true },
  webhook_deliveries: { delivery_id: true, message_id: true, endpoint_id: true, status: true, attempt_count: true, next_attempt_at: true, last_attempt_at: true, created_at: true, updated_at: true, leased_until: true, lease_token: true },
  account_tokens: { token_id: true, user_id: true, purpose: true, token_hash: true, created_at: true, expires_at: true, consumed_at: true, email: true },
  notification_preferences: {
    user_id: true, alert_new_inquiry: true, alert_lead_hot: true, alert_reminder_due: true, alert_endpoint_disabled: true, alert_digest: true,
    quiet_hours_enabled: true, quiet_start: true, quiet_end: true, digest_hour: true, time_zone: true, unsubscribe_token: true, created_at: true, updated_at: true,
  },
  webhook_attempts: { attempt_id: true, delivery_id: true, attempted_at: true, status_code: true, duration_ms: true, response_excerpt: true, error: true },
  notifications: {
    notification_id: true, user_id: true, kind: true, lead_id: true, inquiry_id: true, reminder_id: true, endpoint_id: true, dedupe_key: true, data: true, status: true,
    send_at: true, attempt_count: true, next_attempt_at: true, leased_until: true, lease_token: true, last_error: true, sent_at: true, created_at: true, updated_at: true,
  },
  lead_reported_contacts: {
    reported_contact_id: true, user_id: true, lead_id: true, kind: true, value: true, source: true, inquiry_id: true, visitor_id: true, site_id: true,
    reported_at: true, last_reported_at: true, report_count: true, adopted_at: true,
  },
  filtered_inquiries: {
    filtered_inquiry_id: true, user_id: true, site_id: true, client_event_id: true, visitor_id: true, name: true, email: true, phone: true, message: true,
    listing_ref: true, page_url: true, consent_text: true, consent_version: true, consent_at: true, reason: true, received_at: true,
  },
  today_visits: { user_id: true, last_seen_at: true, hot_since: true },
  notification_attempts: { attempt_id: true, notification_id: true, attempted_at: true, ok: true, response_code: true, error: true, duration_ms: true, transport: true, message_id: true },
};

async function insertUser(em: Parameters<typeof db>[0], userId: string, username: string) {
  await db(em)
    .insertInto('users')
    .values({ user_id: userId, username, email: `${userId}@example.test`, password_hash: 'x' })
    .execute();
}

describe('typed SQL (core/db/kysely.ts)', () => {
  it('names every table and column as Postgres does (snake_case, seed foreign keys)', async () => {
    const { rows } = await t.pool.query<{ table_name: string; column_name: string }>(
      `select table_name, column_name from information_schema.columns where table_schema = 'public' and table_name <> 'mikro_orm_migrations'
       and table_name not in (select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid)`, // partitions of lead_analytics
    );
    const tables = [...new Set(rows.map((r) => r.table_name))];
    const actual = Object.fromEntries(tables.map((t) => [t, rows.filter((r) => r.table_name === t).map((r) => r.column_name).sort()]));
    const expected = Object.fromEntries(Object.entries(COLUMNS).map(([t, cols]) => [t, Object.keys(cols).sort()]));
    expect(actual).toEqual(expected);
  });

  it('binds values as parameters: quotes, placeholders and arrays arrive verbatim', async () => {
    const userId = crypto.randomUUID();
    const tricky = `O'Brien ? $1 \\ --`;
    await insertUser(t.orm.em.fork(), userId, tricky);
    const row = await db(t.orm.em.fork()).selectFrom('users').select(['username', 'created_at']).where('user_id', '=', userId).executeTakeFirstOrThrow();
    expect(row.username).toBe(tricky);
    // Timestamps arrive as Postgres text with microseconds (the DB type says string).
    expect(row.created_at).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}/);
    const ids = await db(t.orm.em.fork()).selectFrom('users').select('user_id').where('user_id', '=', (eb) => eb.fn.any(eb.val([userId, crypto.randomUUID()]))).execute();
    expect(ids).toEqual([{ user_id: userId }]);
  });

  it('joins the EntityManager transaction: others do not see the row, a rollback removes it', async () => {
    const userId = crypto.randomUUID();
    const rollback = new Error('roll back');
    await expect(
      t.orm.em.fork().transactional(async (tem) => {
        await insertUser(tem, userId, 'inside');
        // Visible on the transaction's own connection…
        const inside = await db(tem).selectFrom('users').select('username').where('user_id', '=', userId).executeTakeFirst();
        expect(inside).toEqual({ username: 'inside' });
        // …and on nobody else's: not committed, so not run on a pooled autocommit connection.
        const outside = await t.pool.query('select 1 from users where user_id = $1', [userId]);
        expect(outside.rowCount).toBe(0);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    const after = await db(t.orm.em.fork()).selectFrom('users').select('user_id').where('user_id', '=', userId).execute();
    expect(after).toEqual([]);
  });
});
