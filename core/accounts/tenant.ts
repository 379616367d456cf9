import { sql, type RawBuilder, type SqlBool } from 'kysely';

export const TENANT_ROLES = ['owner', 'agent'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/**
 * Who a realtor request acts for. Built in one place (api/middleware/auth.ts, via `tenantOfUser`)
 * and scoped through the helpers below, never filtered by hand: ids that belong to another
 * account are simply not found (404).
 *
 * Today every account has exactly one user, its owner (`accountId = userId`, role `owner`); the
 * shape leaves room for a brokerage whose agents share one account.
 */
export interface Tenant {
  /** The account that owns the data: the `user_id` column of every tenant table today. */
  accountId: string;
  /** The person acting (the author of what they write). */
  userId: string;
  role: TenantRole;
}

/** The tenant of a signed-in user: today one account per user, owned by that user. */
export function tenantOfUser(userId: string): Tenant {
  return { accountId: userId, userId, role: 'owner' };
}

// The one scope. Tenant tables carry the owning account in `user_id` (the seed's name); every
// realtor query reads it from here, so a brokerage (account ≠ user, agents seeing only their own
// leads, …) changes these functions and nothing else. core/accounts/tenant.int.test.ts fails on a
// hand-written `user_id` comparison elsewhere in core/ or api/ (its allow-list names the
// system queries that look rows up by an id from a row or a job payload).

/** The owning account's id, for columns and job payloads that carry it (`user_id`). */
export function ownerIdOf(tenant: Tenant): string {
  return tenant.accountId;
}

/**
 * The person acting: for the rows that record who did something (`lead_activities.actor_user_id`),
 * and for the rows that belong to a person rather than to the account — their own settings
 * (`notification_preferences`: in a brokerage each agent chooses their own alerts and time zone).
 */
export function actorIdOf(tenant: Tenant): string {
  return tenant.userId;
}

/**
 * Kysely: restricts a select, update or delete to the tenant's rows —
 * `.where(ownedBy(tenant))`, or `.where(ownedBy(tenant, 'l'))` for `from leads as l`.
 * The id is a bound parameter.
 */
export function ownedBy(tenant: Tenant, alias?: string): RawBuilder<SqlBool> {
  return ownedByAccount(ownerIdOf(tenant), alias);
}

/**
 * Kysely: the same restriction for system code — a worker job, ingest, a sweep — that has the
 * owning account's id from a row or a job payload rather than a signed-in tenant. Realtor
 * requests use `ownedBy(tenant)`.
 */
export function ownedByAccount(accountId: string, alias?: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${ownerColumn(alias)} = ${accountId}`;
}

/**
 * Kysely: relates rows of two tenant tables of the same account — `sameAccount('s', 'leads')`
 * in a subquery correlated to the outer `leads`. Not a scope by itself: the outer query is
 * scoped (or is a system query over every account).
 */
export function sameAccount(alias: string, otherAlias: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${ownerColumn(alias)} = ${ownerColumn(otherAlias)}`;
}

function ownerColumn(alias?: string) {
  return sql.ref(alias ? `${alias}.user_id` : 'user_id');
}

/**
 * MikroORM: the same scope as a filter or entity data —
 * `em.find(SiteSchema, { ...ownedFilter(tenant), siteId })`, `em.create(SiteSchema, { ...ownedFilter(tenant), … })`.
 */
export function ownedFilter(tenant: Tenant): { user: string } {
  return { user: ownerIdOf(tenant) };
}
