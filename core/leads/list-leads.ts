import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type Expression, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { z } from 'zod';
import { actorIdOf, ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { decodeCursor, type KeysetPage, type KeysetPageArgs, toKeysetPage, ZTimeKey, ZUuidKey } from '../db/keyset-cursor.ts';
import { createCompiledQueries, inlinedLimit, type Param } from '../db/compiled-queries.ts';
import { db, type DB } from '../db/kysely.ts';
import { escapeLike, timeKey } from '../db/pg-values.ts';
import { notFound } from '../errors.ts';
import { assertOwnSite } from '../sites/sites.ts';
import { firstStageOf, leadColumnsOfTenant, leadFollowUpColumns, toLeadJson } from './lead-json.ts';
import type { LeadFilters, LeadJson, LeadSort } from './lead-schemas.ts';

/**
 * Keyset pagination over a user's leads. Each sort is backed by an index that starts with
 * `user_id` and ends with `lead_id desc` (migrations: leads_user_score_index,
 * leads_user_activity_index, leads_user_created_index), so a page is an index range scan
 * however deep the client has paged. The cursor is the last row's sort key and id.
 */
interface SortSpec {
  /** The cursor key of a row (exact: µs for times). */
  key: RawBuilder<string | number | null>;
  /** The sort column; every sort ends with `lead_id` in the same direction. */
  column: 'score' | 'created_at' | 'last_activity_at';
  /** `asc` reads the same index backwards (EXPLAIN: Index Only Scan Backward). */
  direction: 'asc' | 'desc';
  /** The "rows after this cursor" condition (values bound, cast as the index columns). */
  after(key: string | number | null, id: string): Expression<SqlBool>;
}

const SORTS: Record<LeadSort, SortSpec> = {
  score: {
    key: sql.ref<number>('score'),
    column: 'score',
    direction: 'desc',
    after: (key, id) => sql<SqlBool>`(score, lead_id) < (${key}::int, ${id}::uuid)`,
  },
  score_asc: {
    key: sql.ref<number>('score'),
    column: 'score',
    direction: 'asc',
    after: (key, id) => sql<SqlBool>`(score, lead_id) > (${key}::int, ${id}::uuid)`,
  },
  created: {
    key: timeKey('created_at'),
    column: 'created_at',
    direction: 'desc',
    after: (key, id) => sql<SqlBool>`(created_at, lead_id) < (${key}::timestamptz, ${id}::uuid)`,
  },
  created_asc: {
    key: timeKey('created_at'),
    column: 'created_at',
    direction: 'asc',
    after: (key, id) => sql<SqlBool>`(created_at, lead_id) > (${key}::timestamptz, ${id}::uuid)`,
  },
  last_activity: {
    // Leads without activity (entered by hand, never seen) come last. A cursor among dated rows
    // reads only dated rows (an index range: with "or … is null" Postgres would filter instead,
    // 27 ms vs 0.4 ms at 100k leads); fetchLeadPage tops a short page up with the undated ones.
    key: timeKey('last_activity_at'),
    column: 'last_activity_at',
    direction: 'desc',
    after: (key, id) =>
      key === null
        ? sql<SqlBool>`(last_activity_at is null and lead_id < ${id}::uuid)`
        : sql<SqlBool>`(last_activity_at, lead_id) < (${key}::timestamptz, ${id}::uuid)`,
  },
};

const CURSOR_SCHEMAS = {
  // int32: the column's range, so a forged key is a 400 rather than Postgres' "integer out of range".
  score: z.tuple([z.literal('score'), z.int32(), ZUuidKey]),
  created: z.tuple([z.literal('created'), ZTimeKey, ZUuidKey]),
  last_activity: z.tuple([z.literal('last_activity'), ZTimeKey.nullable(), ZUuidKey]),
  score_asc: z.tuple([z.literal('score_asc'), z.int32(), ZUuidKey]),
  created_asc: z.tuple([z.literal('created_asc'), ZTimeKey, ZUuidKey]),
} as const;

export type LeadPage = KeysetPage<LeadJson>;

/**
 * What the SQL of a page depends on (values aside): compiled once per shape (compiled-queries.ts).
 * `after`: no cursor, a cursor key, a null `last_activity` key, or the undated leads' top-up.
 */
interface PageShape {
  sort: LeadSort;
  role: Tenant['role'];
  band: boolean;
  status: boolean;
  site: boolean;
  ids: boolean;
  stage: boolean;
  /** The leads of one CSV import (`leads.import_id`). */
  import: boolean;
  /** 0: no search; 1: name, email or phone; 2: also the phone by the query's digits. */
  q: 0 | 1 | 2;
  after: 'none' | 'key' | 'null-key' | 'undated';
  /** The rows fetched as a constant (`inlinedLimit`: unfiltered and band pages only, see fetchLeadPage), or null: bound. */
  limit: number | null;
}

/** The values of a page query, in the order `p(i)` stands for them in `buildLeadPageQuery`. */
const V = { accountId: 0, userId: 1, band: 2, status: 3, site: 4, ids: 5, stageId: 6, pattern: 7, digitsPattern: 8, afterKey: 9, afterId: 10, limit: 11, importId: 12 } as const;

/** Separates name, email and phone in `leads.search_text`. */
const FIELD_SEPARATOR = '\u001f';

/** The tenant's leads matching the filters of `shape`, their values stand-ins (`p`). */
function selectFiltered(kdb: Kysely<DB>, tenant: Tenant, shape: PageShape, p: Param) {
  let query = kdb.selectFrom('leads').select(leadColumnsOfTenant(tenant)).where(ownedBy(tenant));
  if (shape.band) query = query.where('score_band', '=', p(V.band) as LeadFilters['band'] & string);
  if (shape.status) query = query.where('status', '=', p(V.status) as LeadFilters['status'] & string);
  if (shape.site) query = query.where('site_id', '=', p(V.site) as string);
  if (shape.ids) query = query.where(sql<SqlBool>`lead_id = any(${p(V.ids)}::uuid[])`);
  if (shape.import) query = query.where('import_id', '=', p(V.importId) as string);
  if (shape.stage) {
    // Leads without a stage belong to the first one (an uncorrelated subquery: evaluated once).
    const stageId = p(V.stageId);
    const first = firstStageOf(ownedBy(tenant, 's'), sql`s.stage_id`);
    query = query.where(sql<SqlBool>`(stage_id = ${stageId} or (stage_id is null and ${stageId}::uuid = ${first}))`);
  }
  if (shape.q) {
    // A case-insensitive substring of the name, email or phone: `search_text` holds them
    // lower-cased and joined by U+001F (lead.entity.ts), with one trigram index. Backslash is
    // LIKE's default escape, which escapeLike uses. Phones are stored as digits, so a query with
    // digits in it ("(555) 010") also matches by its digits alone, in the phone only (searchPatterns).
    const pattern = p(V.pattern) as string;
    query = query.where(
      shape.q === 2
        ? sql<SqlBool>`(search_text like lower(${pattern}) or search_text like ${p(V.digitsPattern)})`
        : sql<SqlBool>`search_text like lower(${pattern})`,
    );
  }
  return query;
}

/**
 * The LIKE patterns of a search, and whether its digits make a second, phone-only pattern: the
 * phone is search_text's third field, so its pattern passes both separators before the digits.
 */
function searchPatterns(q: string | undefined): { q: PageShape['q']; pattern?: string; digitsPattern?: string } {
  if (!q) return { q: 0 };
  const digits = q.replace(/\D/g, '');
  return digits.length >= 3 && digits !== q
    ? { q: 2, pattern: `%${escapeLike(q)}%`, digitsPattern: `%${FIELD_SEPARATOR}%${FIELD_SEPARATOR}%${digits}%` }
    : { q: 1, pattern: `%${escapeLike(q)}%` };
}

/** One page query of `shape` (JSON of a PageShape), compiled once per shape. */
function buildLeadPageQuery(kdb: Kysely<DB>, p: Param, shapeKey: string) {
  const shape = JSON.parse(shapeKey) as PageShape;
  const sort = SORTS[shape.sort];
  const tenant: Tenant = { accountId: p(V.accountId) as string, userId: p(V.userId) as string, role: shape.role };
  let query = selectFiltered(kdb, tenant, shape, p).select(sort.key.as('cursor_key'));
  if (shape.after === 'key') query = query.where(sort.after(p(V.afterKey) as string | number, p(V.afterId) as string));
  else if (shape.after === 'null-key') query = query.where(sort.after(null, p(V.afterId) as string));
  else if (shape.after === 'undated') query = query.where(sql<SqlBool>`last_activity_at is null`);
  const page = query
    .orderBy(sort.column, (o) => (sort.column === 'last_activity_at' ? o.desc().nullsLast() : sort.direction === 'asc' ? o.asc() : o.desc()))
    .orderBy('lead_id', sort.direction)
    .limit(shape.limit === null ? (p(V.limit) as number) : sql.lit(shape.limit));
  // The follow-up subqueries run for the page's rows only (the inner query's index range
  // scan stops at the limit), never for every lead the filters match.
  return kdb
    .selectFrom(page.as('p'))
    .selectAll('p')
    .select(leadFollowUpColumns('p.lead_id'))
    .orderBy(sql.ref(`p.${sort.column}`), (o) => (sort.column === 'last_activity_at' ? o.desc().nullsLast() : sort.direction === 'asc' ? o.asc() : o.desc()))
    .orderBy('p.lead_id', sort.direction)
    .compile();
}

const LEAD_PAGES = createCompiledQueries(buildLeadPageQuery, { prepareAs: 'porchlight_lead_page' });

/**
 * One page of the tenant's leads, filtered and sorted (`GET /v1/leads`, and the CSV export's
 * batches). A `site` filter naming another user's site is a 404, like any foreign id.
 */
export async function listLeads({ em, tenant, filters, cursor, limit }: {
  em: EntityManager;
  tenant: Tenant;
  filters: LeadFilters;
} & KeysetPageArgs): Promise<LeadPage> {
  await assertOwnFilters(em, tenant, filters);
  return fetchLeadPage(em, tenant, filters, cursor ?? null, limit);
}

/**
 * 404 unless the filters' site, pipeline stage and CSV import are the tenant's (the list's and the
 * export's filters): another account's id is answered as an unknown one.
 */
export async function assertOwnFilters(em: EntityManager, tenant: Tenant, filters: Pick<LeadFilters, 'site' | 'stageId' | 'importId'>): Promise<void> {
  if (filters.site) await assertOwnSite({ em, tenant, siteId: filters.site });
  if (filters.stageId) {
    const row = await db(em).selectFrom('pipeline_stages').select('stage_id').where('stage_id', '=', filters.stageId).where(ownedBy(tenant)).executeTakeFirst();
    if (!row) throw notFound('Stage');
  }
  if (filters.importId) {
    const row = await db(em).selectFrom('lead_imports').select('import_id').where('import_id', '=', filters.importId).where(ownedBy(tenant)).executeTakeFirst();
    if (!row) throw notFound('Import');
  }
}

/** `listLeads` without the site check (the export checks once, then pages). */
export async function fetchLeadPage(em: EntityManager, tenant: Tenant, filters: LeadFilters, cursor: string | null, limit: number): Promise<LeadPage> {
  const sort = SORTS[filters.sort];
  const search = searchPatterns(filters.q);
  const base = {
    sort: filters.sort, role: tenant.role, band: !!filters.band, status: !!filters.status, site: !!filters.site,
    ids: !!filters.ids, stage: !!filters.stageId, import: !!filters.importId, q: search.q,
  };
  // A search's best plan depends on the pattern (a rare one: the trigram indexes, a common one:
  // the sort's index; a generic plan scanned all 100,000 leads by score for a rare one, 369 ms).
  // A site, stage, status, ids or import filter's best plan depends on how many leads the value has (a
  // 20-lead site: its index and a sort; a big one: the sort's index). A prepared statement may
  // settle on one generic plan for all values, so those shapes are planned at every call, never
  // prepared. Only the unfiltered and band pages (one index serves any band in order) are
  // prepared, with a common page size as a constant so that the generic plan is taken; the
  // undated top-up's size is whatever the page still needs, so it stays bound.
  const planEachCall = !!search.q || !!filters.site || !!filters.stageId || !!filters.status || !!filters.ids || !!filters.importId;
  const select = (after: PageShape['after'], key: string | number | null, id: string | null, n: number) =>
    LEAD_PAGES.execute(em, JSON.stringify({ ...base, after, limit: planEachCall || after === 'undated' ? null : inlinedLimit(n) } satisfies PageShape), [
      ownerIdOf(tenant), actorIdOf(tenant), filters.band, filters.status, filters.site, filters.ids, filters.stageId,
      search.pattern, search.digitsPattern, key, id, n, filters.importId,
    ], { planEachCall });
  type Row = Awaited<ReturnType<typeof select>>[number];
  let rows: Row[];
  if (!cursor) {
    rows = await select('none', null, null, limit + 1);
  } else {
    const [, key, id] = decodeCursor(cursor, CURSOR_SCHEMAS[filters.sort]);
    rows = await select(key === null ? 'null-key' : 'key', key, id, limit + 1);
    if (filters.sort === 'last_activity' && key !== null && rows.length <= limit) {
      // Past the last dated lead: continue with the undated ones, from the top.
      rows = rows.concat(await select('undated', null, null, limit + 1 - rows.length));
    }
  }
  return toKeysetPage(rows, limit, toLeadJson, (last) => [
    filters.sort,
    last.cursor_key === null ? null : sort.column === 'score' ? Number(last.cursor_key) : String(last.cursor_key),
    last.lead_id,
  ]);
}
