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
// leads, …) changes these three functions and nothing else.

/** The owning account's id, for columns and job payloads that carry it (`user_id`). */
export function ownerIdOf(tenant: Tenant): string {
  return tenant.accountId;
}

/** The person acting, for the rows that record who did something (`lead_activities.actor_user_id`). */
export function actorIdOf(tenant: Tenant): string {
  return tenant.userId;
}

/**
 * Kysely: restricts a select, update or delete to the tenant's rows —
 * `.where(ownedBy(tenant))`, or `.where(ownedBy(tenant, 'l'))` for `from leads as l`.
 * The id is a bound parameter.
 */
export function ownedBy(tenant: Tenant, alias?: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${sql.ref(alias ? `${alias}.user_id` : 'user_id')} = ${ownerIdOf(tenant)}`;
}

/**
 * MikroORM: the same scope as a filter or entity data —
 * `em.find(SiteSchema, { ...ownedFilter(tenant), siteId })`, `em.create(SiteSchema, { ...ownedFilter(tenant), … })`.
 */
export function ownedFilter(tenant: Tenant): { user: string } {
  return { user: ownerIdOf(tenant) };
}
