import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { hashPassword } from './passwords.ts';
import { type ConfirmPassword, withCheckedPassword } from './with-checked-password.ts';

const PASSWORD = 'the password given';
const wrongPassword = () => new AppError('wrong_password', 'wrong');

let hashOfPassword: string;
let rehashOfPassword: string;
let hashOfOther: string;
beforeAll(async () => {
  [hashOfPassword, rehashOfPassword, hashOfOther] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD), hashPassword('set by a reset meanwhile')]);
});

/**
 * A users row whose hash other writers change between the unlocked check and the lock: before
 * the n-th locked run, `changes[n]` (if any) is stored. Records what ran, and what each locked run
 * ended with (a throw inside it rolls its transaction back).
 */
function account(stored: string | undefined, changes: Array<string | undefined> = []) {
  const ran = { reads: 0, lockedRuns: 0, lockedEnds: [] as string[] };
  let hash = stored;
  return {
    ran,
    readHash: async () => {
      ran.reads++;
      return hash;
    },
    locked: async (confirm: ConfirmPassword) => {
      const change = changes[ran.lockedRuns++];
      if (change !== undefined) hash = change;
      try {
        confirm(hash ?? hashOfPassword);
      } catch (err) {
        ran.lockedEnds.push(err instanceof AppError ? err.code : 'rolled back');
        throw err;
      }
      ran.lockedEnds.push('written');
      return 'written';
    },
  };
}

async function outcome(promise: Promise<string>): Promise<string> {
  return promise.catch((err: unknown) => (err instanceof AppError ? err.code : String(err)));
}

describe('a password checked before the user row is locked', () => {
  it('the right password, unchanged under the lock: one check, one locked run', async () => {
    const a = account(hashOfPassword);
    expect(await outcome(withCheckedPassword({ password: PASSWORD, readHash: a.readHash, wrongPassword }, a.locked))).toBe('written');
    expect(a.ran).toEqual({ reads: 1, lockedRuns: 1, lockedEnds: ['written'] });
  });

  it('a wrong password is refused before anything is locked', async () => {
    const a = account(hashOfOther);
    expect(await outcome(withCheckedPassword({ password: PASSWORD, readHash: a.readHash, wrongPassword }, a.locked))).toBe('wrong_password');
    expect(a.ran).toEqual({ reads: 1, lockedRuns: 0, lockedEnds: [] });
  });

  it('refuseBeforeLock: false — a wrong password is refused under the lock, by confirm', async () => {
    const a = account(hashOfOther);
    expect(await outcome(withCheckedPassword({ password: PASSWORD, readHash: a.readHash, wrongPassword, refuseBeforeLock: false }, a.locked))).toBe('wrong_password');
    expect(a.ran).toEqual({ reads: 1, lockedRuns: 1, lockedEnds: ['wrong_password'] });
  });

  it('changed before the lock to a rehash of the same password: rolled back, checked once more against the new hash, written', async () => {
    const a = account(hashOfPassword, [rehashOfPassword]);
    expect(await outcome(withCheckedPassword({ password: PASSWORD, readHash: a.readHash, wrongPassword }, a.locked))).toBe('written');
    expect(a.ran).toEqual({ reads: 2, lockedRuns: 2, lockedEnds: ['rolled back', 'written'] });
  });

  it('changed before the lock to another password: the second check refuses it', async () => {
    const a = account(hashOfPassword, [hashOfOther]);
    expect(await outcome(withCheckedPassword({ password: PASSWORD, readHash: a.readHash, wrongPassword }, a.locked))).toBe('wrong_password');
    expect(a.ran).toEqual({ reads: 2, lockedRuns: 1, lockedEnds: ['rolled back'] });
  });

  it('changed again before the second lock: wrong_password, no third check', async () => {
    const a = account(hashOfPassword, [rehashOfPassword, hashOfPassword]);
    expect(await outcome(withCheckedPassword({ password: PASSWORD, readHash: a.readHash, wrongPassword }, a.locked))).toBe('wrong_password');
    expect(a.ran).toEqual({ reads: 2, lockedRuns: 2, lockedEnds: ['rolled back', 'wrong_password'] });
  });

  it('recheck: false — changed before the lock, even to a rehash of the same password: wrong_password at once', async () => {
    const a = account(hashOfPassword, [rehashOfPassword]);
    expect(await outcome(withCheckedPassword({ password: PASSWORD, readHash: a.readHash, wrongPassword, recheck: false }, a.locked))).toBe('wrong_password');
    expect(a.ran).toEqual({ reads: 1, lockedRuns: 1, lockedEnds: ['wrong_password'] });
  });

  it('nothing to check on the unlocked read (a dead link) but a hash under the lock: rolled back and run again with a check', async () => {
    const a = account(undefined, [hashOfPassword]);
    expect(await outcome(withCheckedPassword({ password: PASSWORD, readHash: a.readHash, wrongPassword, refuseBeforeLock: false }, a.locked))).toBe('written');
    expect(a.ran).toEqual({ reads: 2, lockedRuns: 2, lockedEnds: ['rolled back', 'written'] });
  });

  it('other errors of the read or the locked part are not retried', async () => {
    const gone = new AppError('unauthorized', 'session ended');
    await expect(withCheckedPassword({ password: PASSWORD, readHash: () => Promise.reject(gone), wrongPassword }, async () => 'written')).rejects.toBe(gone);
    let runs = 0;
    const failed = new Error('deadlock');
    await expect(withCheckedPassword({ password: PASSWORD, readHash: async () => hashOfPassword, wrongPassword }, async () => {
      runs++;
      throw failed;
    })).rejects.toBe(failed);
    expect(runs).toBe(1);
  });
});
