// Password checks and the user's row (docs/accounts.md, "No argon2 under the user's row lock"):
// the flows that take a password from someone already holding a session or a link — the password
// and address change, the deletion, the verify-first confirmation of an address — verify it with
// argon2 (~20 ms of CPU and 19 MiB a call, far longer on a busy machine) on an unlocked read, and
// only then lock the user's row. Verified under the lock, the hash held the row FOR UPDATE, and
// every request needing it waited: a login (its session's SHARE lock, lock-live-user.ts), an API
// key, a reminder firing, the deletion. The deletion had it worse: every insert referencing the
// user (a reminder firing, an alert, a webhook message) waited for its KEY SHARE, and a reminder
// firing holds its reminder row while it does, which the deletion then updates: a deadlock.
import type { AppError } from '../errors.ts';
import { verifyPassword } from './passwords.ts';

/**
 * Called under the transaction's lock on the user's row with the `password_hash` read there; returns
 * when the password checked before the lock is proven against it, else throws (see
 * withCheckedPassword). Throw it inside the transaction, so that a refusal rolls it back.
 */
export type ConfirmPassword = (lockedHash: string) => void;

/**
 * Verifies `password` (argon2, the same verification as login) against the hash `readHash` finds
 * without a lock, then runs `locked`, which opens the transaction, locks the user's row and passes
 * the hash it holds to `confirm` before it writes anything. Under the lock the row must still hold
 * the hash that was checked: a password change or reset that committed meanwhile made the check
 * stale, so `confirm` rolls the transaction back and everything runs once more — the unlocked read,
 * the check against the new hash (a rehash of the same password still passes), `locked`. A second
 * change in between is `wrongPassword()`. Nothing validated against an old hash is ever written.
 *
 * `locked` may run twice, so it must do nothing before `confirm` that outlives its transaction.
 */
export async function withCheckedPassword<T>({ password, readHash, wrongPassword, refuseBeforeLock = true, recheck = true }: {
  password: string;
  /**
   * The users row's `password_hash`, read without a lock (it may throw: a deleted account, say).
   * `undefined`: nothing worth an argon2 call (a dead link); `confirm` then treats any hash under the
   * lock as changed since the check.
   */
  readHash: () => Promise<string | undefined>;
  /** The caller's `wrong_password` error. */
  wrongPassword: () => AppError;
  /**
   * A wrong password is refused at once, before `locked` runs and without waiting for any lock
   * (true, default); false: only by `confirm`, for a caller whose locked part has answers that come
   * first (the verify-first confirmation: a spent link, an account verified meanwhile).
   */
  refuseBeforeLock?: boolean;
  /**
   * A hash changed between the check and the lock is checked once more (true, default); false: it is
   * `wrongPassword()` at once (the deletion, see account-deletion.ts).
   */
  recheck?: boolean;
}, locked: (confirm: ConfirmPassword) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const checkedHash = await readHash();
    const ok = checkedHash !== undefined && (await verifyPassword(checkedHash, password));
    if (!ok && checkedHash !== undefined && refuseBeforeLock) throw wrongPassword();
    const lastCheck = !recheck || attempt === 2;
    try {
      return await locked((lockedHash) => {
        if (lockedHash !== checkedHash) throw lastCheck ? wrongPassword() : STALE_CHECK;
        if (!ok) throw wrongPassword();
      });
    } catch (err) {
      if (err !== STALE_CHECK) throw err;
    }
  }
}

/** Thrown by `confirm` inside the transaction to roll it back and run it again: the hash checked before its lock changed meanwhile. */
const STALE_CHECK = new Error('checked against a stale password hash; run again');
