import type { Tenant } from '#core/accounts/tenant.ts';

/**
 * Answers one process keeps at most, over all tenants (an answer is a few KB to a few tens of KB:
 * the bound keeps the cache within a few MB of the API's capped heap).
 */
export const ANSWER_CACHE_MAX_ENTRIES = 128;

interface Entry {
  accountId: string;
  /** performance.now() when the answer's computation started. */
  at: number;
  json?: string;
  pending?: Promise<string>;
}

export interface CachedAnswer {
  json: string;
  /** Whole seconds since it was computed: the `Age` header. */
  ageSec: number;
}

/**
 * Answers of expensive, read-only realtor routes (`RouteSpec.cached`: the analytics), kept per
 * tenant and URL for `ttlMs` in this API process, the way analytics products show results
 * "computed a few seconds ago":
 *
 * - concurrent requests for the same answer share one computation (no stampede when ten tabs or
 *   agents open Analytics at once);
 * - a request with `Cache-Control: no-cache` (the admin's Refresh) always computes afresh;
 * - every successful write by the same account through this process drops the account's answers
 *   (`invalidate`), so a realtor sees their own changes at once; changes from elsewhere (widget
 *   traffic, workers, other API processes) show within `ttlMs`;
 * - an error (404 for another realtor's site, a 400) is never kept;
 * - expired answers are dropped as new ones arrive, and at most ANSWER_CACHE_MAX_ENTRIES are kept
 *   (the oldest go first).
 *
 * The key is the tenant's account, user and role plus the URL: one tenant's answer can never be
 * served to another.
 */
export class AnswerCache {
  readonly #ttlMs: number;
  /** In the order their computations started: the oldest first. */
  readonly #entries = new Map<string, Entry>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get enabled(): boolean {
    return this.#ttlMs > 0;
  }

  /** How many answers are kept (tests, diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  /** The cached answer for `url`, or `compute()`'s (kept when it succeeds). */
  async answer(tenant: Tenant, url: string, fresh: boolean, compute: () => Promise<string>): Promise<CachedAnswer> {
    const now = performance.now();
    this.#dropExpired(now);
    const key = `${tenant.accountId}\u0000${tenant.userId}\u0000${tenant.role}\u0000${url}`;
    const hit = this.#entries.get(key);
    if (hit && !fresh && now - hit.at < this.#ttlMs) {
      if (hit.json !== undefined) return { json: hit.json, ageSec: Math.floor((now - hit.at) / 1000) };
      if (hit.pending) return { json: await hit.pending, ageSec: 0 };
    }
    const entry: Entry = { accountId: tenant.accountId, at: now };
    const pending = compute();
    entry.pending = pending;
    this.#entries.delete(key); // re-inserted last: the newest
    this.#entries.set(key, entry);
    while (this.#entries.size > ANSWER_CACHE_MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    try {
      entry.json = await pending;
      return { json: entry.json, ageSec: 0 };
    } catch (err) {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
      throw err;
    } finally {
      entry.pending = undefined;
    }
  }

  /** Drops every answer of the account (after a write through this process). */
  invalidate(accountId: string): void {
    for (const [key, entry] of this.#entries) if (entry.accountId === accountId) this.#entries.delete(key);
  }

  /** Drops the expired answers at the front (the oldest); a computation still running stays. */
  #dropExpired(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (now - entry.at < this.#ttlMs) return;
      if (!entry.pending) this.#entries.delete(key);
    }
  }
}
