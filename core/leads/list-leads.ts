import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import type { Tenant } from '../accounts/tenant.ts';
import { execRaw } from '../db/raw.ts';
import { decodeCursor, encodeCursor, ZTimeKey, ZUuidKey } from './keyset-cursor.ts';
import { LEAD_SELECT, type LeadRow, toLeadJson } from './lead-json.ts';
import type { LeadFilters, LeadJson, LeadSort } from './lead-schemas.ts';
import { assertOwnSite } from './leads.ts';
import { escapeLike, sqlTimeKey } from './pg-values.ts';

/**
 * Keyset pagination over a user's leads. Each sort is backed by an index that starts with
 * `user_id` and ends with `lead_id desc` (migrations: leads_user_score_index,
 * leads_user_activity_index, leads_user_created_index), so a page is an index range scan
 * however deep the client has paged. The cursor is the last row's sort key and id.
 */
interface SortSpec {
  /** SQL producing the cursor key of a row (exact: µs for times). */
  key: string;
  order: string;
  /** The "rows after this cursor" condition; params follow. */
  after(key: string | number | null, id: string): { sql: string; params: unknown[] };
}

const SORTS: Record<LeadSort, SortSpec> = {
  score: {
    key: 'l.score',
    order: 'l.score desc, l.lead_id desc',
    after: (key, id) => ({ sql: '(l.score, l.lead_id) < (?::int, ?::uuid)', params: [key, id] }),
  },
  created: {
    key: sqlTimeKey('l.created_at'),
    order: 'l.created_at desc, l.lead_id desc',
    after: (key, id) => ({ sql: '(l.created_at, l.lead_id) < (?::timestamptz, ?::uuid)', params: [key, id] }),
  },
  last_activity: {
    // Leads without activity (entered by hand, never seen) come last. A cursor among dated rows
    // reads only dated rows (an index range: with "or … is null" Postgres would filter instead,
    // 27 ms vs 0.4 ms at 100k leads); fetchLeadPage tops a short page up with the undated ones.
    key: sqlTimeKey('l.last_activity_at'),
    order: 'l.last_activity_at desc nulls last, l.lead_id desc',
    after: (key, id) =>
      key === null
        ? { sql: '(l.last_activity_at is null and l.lead_id < ?::uuid)', params: [id] }
        : { sql: '(l.last_activity_at, l.lead_id) < (?::timestamptz, ?::uuid)', params: [key, id] },
  },
};

const CURSOR_SCHEMAS = {
  // int32: the column's range, so a forged key is a 400 rather than Postgres' "integer out of range".
  score: z.tuple([z.literal('score'), z.int32(), ZUuidKey]),
  created: z.tuple([z.literal('created'), ZTimeKey, ZUuidKey]),
  last_activity: z.tuple([z.literal('last_activity'), ZTimeKey.nullable(), ZUuidKey]),
} as const;

export interface LeadPage {
  items: LeadJson[];
  nextCursor: string | null;
}

type Row = LeadRow & { cursor_key: string | number | null };

/** Where-clause and params for the filters (shared with the CSV export). */
function filterSql(tenant: Tenant, filters: LeadFilters): { where: string[]; params: unknown[] } {
  const where = ['l.user_id = ?'];
  const params: unknown[] = [tenant.userId];
  if (filters.band) {
    where.push('l.score_band = ?');
    params.push(filters.band);
  }
  if (filters.status) {
    where.push('l.status = ?');
    params.push(filters.status);
  }
  if (filters.site) {
    where.push('l.site_id = ?');
    params.push(filters.site);
  }
  if (filters.q) {
    // Case-insensitive substring of name, email or phone. Phones are stored as digits, so a
    // query with digits in it ("(555) 010") also matches by its digits alone.
    const pattern = `%${escapeLike(filters.q)}%`;
    const digits = filters.q.replace(/\D/g, '');
    const parts = [`l.name ilike ? escape '\\'`, `l.email ilike ? escape '\\'`, `l.phone like ? escape '\\'`];
    params.push(pattern, pattern, pattern);
    if (digits.length >= 3 && digits !== filters.q) {
      parts.push('l.phone like ?');
      params.push(`%${digits}%`);
    }
    where.push(`(${parts.join(' or ')})`);
  }
  return { where, params };
}

/**
 * One page of the tenant's leads, filtered and sorted (`GET /v1/leads`, and the CSV export's
 * batches). A `site` filter naming another user's site is a 404, like any foreign id.
 */
export async function listLeads({ em, tenant, filters, cursor, limit }: {
  em: EntityManager;
  tenant: Tenant;
  filters: LeadFilters;
  cursor?: string | null;
  limit: number;
}): Promise<LeadPage> {
  if (filters.site) await assertOwnSite(em, tenant, filters.site);
  return fetchLeadPage(em, tenant, filters, cursor ?? null, limit);
}

/** `listLeads` without the site check (the export checks once, then pages). */
export async function fetchLeadPage(em: EntityManager, tenant: Tenant, filters: LeadFilters, cursor: string | null, limit: number): Promise<LeadPage> {
  const sort = SORTS[filters.sort];
  const { where, params } = filterSql(tenant, filters);
  const select = (extra: { sql: string; params: unknown[] } | null, n: number) =>
    execRaw<Row>(
      em,
      `select ${LEAD_SELECT}, ${sort.key} as cursor_key from leads l where ${[...where, ...(extra ? [extra.sql] : [])].join(' and ')} order by ${sort.order} limit ?`,
      [...params, ...(extra?.params ?? []), n],
      'all',
    );
  let rows: Row[];
  if (!cursor) {
    rows = await select(null, limit + 1);
  } else {
    const [, key, id] = decodeCursor(cursor, CURSOR_SCHEMAS[filters.sort]);
    rows = await select(sort.after(key, id), limit + 1);
    if (filters.sort === 'last_activity' && key !== null && rows.length <= limit) {
      // Past the last dated lead: continue with the undated ones, from the top.
      rows = rows.concat(await select({ sql: 'l.last_activity_at is null', params: [] }, limit + 1 - rows.length));
    }
  }
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return {
    items: page.map(toLeadJson),
    nextCursor: more && last ? encodeCursor([filters.sort, last.cursor_key === null ? null : filters.sort === 'score' ? Number(last.cursor_key) : String(last.cursor_key), last.lead_id]) : null,
  };
}
