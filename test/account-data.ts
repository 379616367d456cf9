// An account full of data, for the account-deletion tests: every kind of row a realtor can own
// (leads with inquiries, events, visitors, reminders, activities, alerts, webhook messages and
// deliveries, held inquiries, listings, rollups and the trigger-kept counters), seeded in SQL; and
// a count of every row in the database that belongs to an account, table by table.
import type { TestServer } from './app.ts';

export interface AccountIds {
  userId: string;
  siteIds: string[];
  leadIds: string[];
  endpointIds: string[];
  messageIds: string[];
  deliveryIds: string[];
  notificationIds: string[];
}

type Sql = Pick<TestServer, 'sql'>;

/**
 * Seeds `leads` leads on `siteId` for `userId`, each with `eventsPerLead` events (from a visitor
 * linked to it), an inquiry, a pending reminder, an activity, a pending alert and a webhook message
 * with a pending delivery to one endpoint; plus anonymous events and visitors, a held inquiry, a
 * listing and rollup rows. Returns every id the rows hang off.
 */
export async function seedAccountData(server: Sql, { userId, siteId, leads, eventsPerLead = 3 }: { userId: string; siteId: string; leads: number; eventsPerLead?: number }): Promise<AccountIds> {
  const leadIds = (await server.sql<{ id: string }>(
    `insert into leads (lead_id, user_id, site_id, name, email, status, score, score_band, created_at, updated_at)
     select gen_random_uuid(), $1::uuid, $2::uuid, 'Seeded lead ' || g, 'seeded-' || g || '-' || substr(md5($1::text), 1, 8) || '@example.com', 'new', (g % 100), case when g % 3 = 0 then 'hot' when g % 3 = 1 then 'warm' else 'cold' end,
            now() - (g || ' hours')::interval, now()
     from generate_series(1, $3) g returning lead_id as id`,
    [userId, siteId, leads],
  )).map((r) => r.id);
  await server.sql(
    `insert into visitors (site_id, visitor_id, lead_id, first_seen_at, last_seen_at)
     select $1, 'v_' || replace(l.lead_id::text, '-', ''), l.lead_id, now() - interval '2 days', now() from unnest($2::uuid[]) as l(lead_id)`,
    [siteId, leadIds],
  );
  await server.sql(
    `insert into visitors (site_id, visitor_id, first_seen_at, last_seen_at)
     select $1::uuid, 'anon_' || g || '_' || substr(md5($1::text), 1, 6), now() - interval '1 day', now() from generate_series(1, $2) g`,
    [siteId, Math.max(1, Math.floor(leads / 2))],
  );
  await server.sql(
    `insert into lead_analytics (analytic_id, lead_id, site_id, visitor_id, event_type, event_value, event_date, received_at, client_event_id, listing_ref)
     select gen_random_uuid(), l.lead_id, $1, 'v_' || replace(l.lead_id::text, '-', ''), 'page_view', null, now() - (e || ' minutes')::interval, now(), gen_random_uuid(), 'L-' || (e % 5)
     from unnest($2::uuid[]) as l(lead_id), generate_series(1, $3) e`,
    [siteId, leadIds, eventsPerLead],
  );
  await server.sql(
    `insert into lead_analytics (analytic_id, site_id, visitor_id, event_type, event_date, received_at, client_event_id)
     select gen_random_uuid(), $1::uuid, 'anon_' || g || '_' || substr(md5($1::text), 1, 6), 'page_view', now() - interval '3 hours', now(), gen_random_uuid() from generate_series(1, $2) g`,
    [siteId, Math.max(1, Math.floor(leads / 2))],
  );
  await server.sql(`insert into lead_analytics_keys (site_id, client_event_id, received_at) select site_id, client_event_id, received_at from lead_analytics where site_id = $1 and client_event_id is not null`, [siteId]);
  await server.sql(
    `insert into inquiries (inquiry_id, lead_id, site_id, message, source, created_at) select gen_random_uuid(), l, $1, 'Is it still available?', 'widget', now() - interval '1 hour' from unnest($2::uuid[]) l`,
    [siteId, leadIds],
  );
  await server.sql(
    `insert into follow_up_reminders (reminder_id, lead_id, user_id, reminder_date, reminder_message, kind, status, created_at)
     select gen_random_uuid(), l, $1, now() + interval '1 day', 'Call back', 'manual', 'pending', now() from unnest($2::uuid[]) l`,
    [userId, leadIds],
  );
  await server.sql(
    `insert into lead_activities (activity_id, user_id, lead_id, actor_user_id, type, body, occurred_at, created_at, updated_at)
     select gen_random_uuid(), $1, l, $1, 'note', 'Seeded note', now(), now(), now() from unnest($2::uuid[]) l`,
    [userId, leadIds],
  );
  const notificationIds = (await server.sql<{ id: string }>(
    `insert into notifications (notification_id, user_id, kind, lead_id, dedupe_key, status, send_at, next_attempt_at, attempt_count, created_at, updated_at)
     select gen_random_uuid(), $1, 'lead_hot', l, 'seeded-lead_hot-' || l, 'pending', now() + interval '1 hour', now() + interval '1 hour', 0, now(), now() from unnest($2::uuid[]) l
     returning notification_id as id`,
    [userId, leadIds],
  )).map((r) => r.id);
  const [{ id: endpointId }] = await server.sql<{ id: string }>(
    `insert into webhook_endpoints (endpoint_id, user_id, url, secret, enabled, created_at, updated_at)
     values (gen_random_uuid(), $1::uuid, 'https://crm.example.com/hooks/' || substr(md5($1::text), 1, 8), 'whsec_c2VlZGVkLXNlY3JldC1zZWVkZWQtc2VjcmV0', true, now(), now()) returning endpoint_id as id`,
    [userId],
  );
  const messageIds = (await server.sql<{ id: string }>(
    `insert into webhook_messages (message_id, user_id, lead_id, event_type, payload, created_at)
     select 'msg_' || replace(gen_random_uuid()::text, '-', ''), $1, l, 'lead.created', '{"seeded":true}', now() from unnest($2::uuid[]) l returning message_id as id`,
    [userId, leadIds],
  )).map((r) => r.id);
  const deliveryIds = (await server.sql<{ id: string }>(
    `insert into webhook_deliveries (delivery_id, message_id, endpoint_id, status, attempt_count, next_attempt_at, created_at, updated_at)
     select gen_random_uuid(), m, $1, 'pending', 1, now() + interval '1 hour', now(), now() from unnest($2::text[]) m returning delivery_id as id`,
    [endpointId, messageIds],
  )).map((r) => r.id);
  await server.sql(
    `insert into webhook_attempts (attempt_id, delivery_id, attempted_at, status_code, duration_ms, error) select gen_random_uuid(), d, now(), 503, 12, 'Service Unavailable' from unnest($1::uuid[]) d`,
    [deliveryIds],
  );
  await server.sql(
    `insert into filtered_inquiries (filtered_inquiry_id, user_id, site_id, client_event_id, visitor_id, name, email, message, reason, received_at)
     values (gen_random_uuid(), $1, $2, gen_random_uuid(), 'v_held', 'Held Person', 'held@example.com', 'Held during a flood', 'site_budget', now())`,
    [userId, siteId],
  );
  await server.sql(
    `insert into listings (listing_id, user_id, site_id, listing_ref, title, first_seen_at, last_seen_at, created_at, updated_at) values (gen_random_uuid(), $1, $2, 'L-1', '12 Oak St', now(), now(), now(), now())`,
    [userId, siteId],
  );
  await server.sql(`insert into analytics_daily (site_id, day, event_type, listing_ref, user_id, events) values ($1, current_date, 'page_view', 'L-1', $2, 3)`, [siteId, userId]);
  await server.sql(`insert into analytics_daily_totals (site_id, hour, event_type, user_id, events) values ($1, date_trunc('hour', now(), 'UTC'), 'page_view', $2, 3)`, [siteId, userId]);
  await server.sql(`insert into speed_daily_counts (user_id, site_id, hour, leads, contacted, within_5m, within_1h) values ($1, $2, date_trunc('hour', now(), 'UTC'), 2, 1, 1, 1)`, [userId, siteId]);
  return { userId, siteIds: [siteId], leadIds, endpointIds: [endpointId], messageIds, deliveryIds, notificationIds };
}

/** Merges the ids of several seedings (or an account's other sites) into one. */
export function mergeIds(a: AccountIds, b: Partial<AccountIds>): AccountIds {
  const out = { ...a };
  for (const k of ['siteIds', 'leadIds', 'endpointIds', 'messageIds', 'deliveryIds', 'notificationIds'] as const) out[k] = [...new Set([...a[k], ...(b[k] ?? [])])];
  return out;
}

/** The ids an account has now (its sites, leads, endpoints, messages, deliveries, emails), read from Postgres. */
export async function readAccountIds(server: Sql, userId: string): Promise<AccountIds> {
  const ids = async (q: string) => (await server.sql<{ id: string }>(q, [userId])).map((r) => r.id);
  return {
    userId,
    siteIds: await ids('select site_id as id from sites where user_id = $1'),
    leadIds: await ids('select lead_id as id from leads where user_id = $1'),
    endpointIds: await ids('select endpoint_id as id from webhook_endpoints where user_id = $1'),
    messageIds: await ids('select message_id as id from webhook_messages where user_id = $1'),
    deliveryIds: await ids('select d.delivery_id as id from webhook_deliveries d join webhook_endpoints e using (endpoint_id) where e.user_id = $1'),
    notificationIds: await ids('select notification_id as id from notifications where user_id = $1'),
  };
}

const KEYS: Array<[column: string, ids: (a: AccountIds) => string[], type: string]> = [
  ['user_id', (a) => [a.userId], 'uuid'],
  ['actor_user_id', (a) => [a.userId], 'uuid'],
  ['site_id', (a) => a.siteIds, 'uuid'],
  ['first_inquiry_site_id', (a) => a.siteIds, 'uuid'],
  ['lead_id', (a) => a.leadIds, 'uuid'],
  ['endpoint_id', (a) => a.endpointIds, 'uuid'],
  ['message_id', (a) => a.messageIds, 'text'],
  ['delivery_id', (a) => a.deliveryIds, 'uuid'],
  ['notification_id', (a) => a.notificationIds, 'uuid'],
];

/**
 * For every table of the database (partitioned tables counted once, through their parent), how
 * many rows name one of the account's ids in any of its key columns. Tables with no such row are
 * left out, so an erased account is `{}`.
 */
export async function countAccountRows(server: Sql, ids: AccountIds): Promise<Record<string, number>> {
  const columns = await server.sql<{ table: string; column: string }>(
    `select c.relname as table, a.attname as column from pg_class c join pg_namespace n on n.oid = c.relnamespace
     join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition and a.attname = any($1) order by 1, 2`,
    [KEYS.map(([c]) => c)],
  );
  const byTable = new Map<string, string[]>();
  for (const { table, column } of columns) byTable.set(table, [...(byTable.get(table) ?? []), column]);
  const out: Record<string, number> = {};
  for (const [table, cols] of byTable) {
    const params: unknown[] = [];
    const conditions = cols.map((col) => {
      const [, pick, type] = KEYS.find(([c]) => c === col)!;
      params.push(pick(ids));
      return `"${col}"::${type} = any($${params.length}::${type}[])`;
    });
    const [{ n }] = await server.sql<{ n: number }>(`select count(*)::int as n from "${table}" where ${conditions.join(' or ')}`, params);
    if (n > 0) out[table] = n;
  }
  return out;
}
