import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';

/** Postgres' SQLSTATE for a unique (or exclusion) constraint violation. */
export const UNIQUE_VIOLATION = '23505';

/**
 * True when a write lost to a unique index. MikroORM's flush wraps it in
 * UniqueConstraintViolationException; Kysely and raw queries surface pg's error with `code`
 * (sometimes as the `cause` of a wrapper).
 */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof UniqueConstraintViolationException) return true;
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  return e?.code === UNIQUE_VIOLATION || e?.cause?.code === UNIQUE_VIOLATION;
}
