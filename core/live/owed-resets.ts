// Which accounts a publisher owes a `reset` (docs/live-updates.md, "A publish that failed"): their
// events could not be published, so their open admins never heard of those changes. Bounded: past
// `max` accounts it owes "every account with an open stream". Pure bookkeeping, no Redis: the
// publisher (`createLivePublisher`) takes what is owed, publishes the resets, and settles what went out.

/** Accounts remembered one by one; past this, every account with an open stream is owed a `reset`. */
export const LIVE_OWED_RESETS_MAX = 1000;

/** What one attempt to pay is for: the accounts, whether "all" is owed, and up to which failure. */
export interface OwedResetsTaken {
  accountIds: string[];
  /** More accounts failed than remembered: every account with an open stream is owed too. */
  all: boolean;
  /** The failures this attempt covers (those recorded before it was taken). */
  upTo: number;
}

export interface OwedResets {
  /** A publish for `accountId` failed. */
  owe(accountId: string): void;
  /** Nothing is owed (nothing failed, or every reset went out). */
  isEmpty(): boolean;
  /** What is owed now, for one attempt to pay it (nothing is cleared until `settle`). */
  take(): OwedResetsTaken;
  /**
   * The resets of `taken` went out for `told` (and, when `allTold`, for every account with an
   * open stream): clears those accounts, and "all", unless one of them failed again since `take`.
   */
  settle(taken: OwedResetsTaken, told: Iterable<string>, allTold: boolean): void;
}

export function createOwedResets({ max = LIVE_OWED_RESETS_MAX }: { max?: number } = {}): OwedResets {
  /** accountId → the number of the last failure that owed it. */
  const accounts = new Map<string, number>();
  /** The number of the last failure that could not be remembered by account (0: none). */
  let all = 0;
  /** Failures counted so far: a reset only clears the failures recorded before it was taken. */
  let failures = 0;

  return {
    owe(accountId) {
      failures++;
      if (accounts.has(accountId) || accounts.size < max) accounts.set(accountId, failures);
      else all = failures;
    },
    isEmpty: () => accounts.size === 0 && all === 0,
    take: () => ({ accountIds: [...accounts.keys()], all: all > 0, upTo: failures }),
    settle(taken, told, allTold) {
      for (const accountId of told) {
        const failure = accounts.get(accountId);
        if (failure !== undefined && failure <= taken.upTo) accounts.delete(accountId);
      }
      if (allTold && all <= taken.upTo) all = 0;
    },
  };
}
