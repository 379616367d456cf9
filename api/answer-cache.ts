import type { Tenant } from '#core/accounts/tenant.ts';

/** Accounts whose answers one process keeps at most (the oldest account's answers go first). */
export const ANSWER_CACHE_MAX_ACCOUNTS = 1000;
/** Answers (distinct URLs) per account at most. */
export const ANSWER_CACHE_MAX_PER_ACCOUNT = 32;

interface Entry {
  /** performance.now() when the answer was computed (or its computation started). */
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
 * - an error (404 for another realtor's site, a 400) is never kept.
 *
 * The key is the tenant's account, user and role plus the URL: one tenant's answer can never be
 * served to another.
 */
export class AnswerCache {
  readonly #ttlMs: number;
  readonly #accounts = new Map<string, Map<string, Entry>>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get enabled(): boolean {
    return this.#ttlMs > 0;
  }

  /** The cached answer for `url`, or `compute()`'s (kept when it succeeds). */
  async answer(tenant: Tenant, url: string, fresh: boolean, compute: () => Promise<string>): Promise<CachedAnswer> {
    const key = `${tenant.userId}\u0000${tenant.role}\u0000${url}`;
    let answers = this.#accounts.get(tenant.accountId);
    const now = performance.now();
    const hit = answers?.get(key);
    if (hit && !fresh && now - hit.at < this.#ttlMs) {
      if (hit.json !== undefined) return { json: hit.json, ageSec: Math.floor((now - hit.at) / 1000) };
      if (hit.pending) return { json: await hit.pending, ageSec: 0 };
    }
    if (!answers) {
      if (this.#accounts.size >= ANSWER_CACHE_MAX_ACCOUNTS) this.#accounts.delete(this.#accounts.keys().next().value!);
      answers = new Map();
      this.#accounts.set(tenant.accountId, answers);
    }
    const entry: Entry = { at: now };
    const pending = compute();
    entry.pending = pending;
    answers.delete(key); // re-inserted last: the per-account bound drops the oldest
    answers.set(key, entry);
    if (answers.size > ANSWER_CACHE_MAX_PER_ACCOUNT) answers.delete(answers.keys().next().value!);
    try {
      entry.json = await pending;
      return { json: entry.json, ageSec: 0 };
    } catch (err) {
      if (answers.get(key) === entry) answers.delete(key);
      throw err;
    } finally {
      entry.pending = undefined;
    }
  }

  /** Drops every answer of the account (after a write through this process). */
  invalidate(accountId: string): void {
    this.#accounts.delete(accountId);
  }
}

const CACHES = new WeakMap<object, AnswerCache>();

/** The answer cache of one app (keyed by its deps object), made on first use. */
export function answerCacheOf(deps: { config: { ANALYTICS_CACHE_SECONDS: number } }): AnswerCache {
  let cache = CACHES.get(deps);
  if (!cache) {
    cache = new AnswerCache(deps.config.ANALYTICS_CACHE_SECONDS * 1000);
    CACHES.set(deps, cache);
  }
  return cache;
}
