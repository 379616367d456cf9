import { DeadlockException, type EntityManager } from '@mikro-orm/postgresql';
import { isUniqueViolation } from './unique-violation.ts';

/** How often a transaction that lost a race is re-run from the start. */
export const TRANSACTION_ATTEMPTS = 3;

/** Deadlock and serialization failure (a unique violation is recognised by isUniqueViolation). */
const RETRYABLE_PG_CODES = new Set(['40P01', '40001']);

/**
 * A unique violation, deadlock or serialization failure means a concurrent writer won a race
 * (two first submissions with the same email, say). Re-running the whole transaction then finds
 * the winner's rows. Raw `execute` errors are plain pg errors; flush errors are MikroORM's.
 */
export function isRetryableTransactionError(err: unknown): boolean {
  if (isUniqueViolation(err) || err instanceof DeadlockException) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_PG_CODES.has(code);
}

/** `em.transactional(fn)`, re-run up to `attempts` times when it lost a race (see above). */
export async function transactionalWithRetry<T>(em: EntityManager, fn: (tem: EntityManager) => Promise<T>, attempts = TRANSACTION_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await em.transactional((tem) => fn(tem as EntityManager));
    } catch (err) {
      if (attempt >= attempts || !isRetryableTransactionError(err)) throw err;
    }
  }
}
