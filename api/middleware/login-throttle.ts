import type { Redis } from 'ioredis';
import { AppError } from '#core/errors.ts';
import type { Logger } from '#core/logger.ts';
import { DAY_MS } from '#core/shared/time.ts';

/** Failed logins allowed per client IP (any accounts) in a window. */
export const LOGIN_MAX_FAILURES_PER_IP = 30;
/** Failed logins allowed for one account from one client IP in a window; then that pair is blocked. */
export const LOGIN_MAX_FAILURES_PER_ACCOUNT_IP = 10;
/** Failed logins allowed for one account from all IPs together: looser, against guessing spread over many IPs. */
export const LOGIN_MAX_FAILURES_PER_ACCOUNT = 50;
export const LOGIN_WINDOW_SEC = 15 * 60;
/** Each repeat block of the same (account, IP) pair within a day doubles, up to a day. */
export const LOGIN_MAX_BLOCK_SEC = DAY_MS / 1000;
/** Repeat blocks of a pair are counted over this long. */
export const LOGIN_STRIKES_WINDOW_MS = DAY_MS;

/**
 * One attempt, atomically: refuse (with the wait in ms) if the (account, IP) pair is blocked or any
 * budget is spent; otherwise consume one point of each BEFORE the password is verified, so parallel
 * guesses cannot all pass a check that is only counted afterwards.
 * KEYS: ip, pair, account, pair block. ARGV: ip max, pair max, account max, window ms.
 */
const ATTEMPT_LUA = `
local blocked = redis.call('PTTL', KEYS[4])
if blocked > 0 then return blocked end
local maxes = { tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) }
for i = 1, 3 do
  local used = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used >= maxes[i] then
    local ttl = redis.call('PTTL', KEYS[i])
    if ttl < 1 then ttl = tonumber(ARGV[4]) end
    return ttl
  end
end
for i = 1, 3 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[4]) end
end
return 0
`;

/**
 * A failed verification: once the pair has used its budget, block it for window × 2^(strikes−1)
 * (strikes counted over a day) and start its count afresh for when the block ends.
 * KEYS: pair, pair block, pair strikes. ARGV: pair max, window ms, max block ms, strikes window ms.
 */
const FAILURE_LUA = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used < tonumber(ARGV[1]) then return 0 end
local strikes = redis.call('INCR', KEYS[3])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
local ms = math.min(tonumber(ARGV[2]) * (2 ^ (strikes - 1)), tonumber(ARGV[3]))
redis.call('SET', KEYS[2], '1', 'PX', math.floor(ms))
redis.call('DEL', KEYS[1])
return ms
`;

/** A success gives the points back (so a user's own logins never count against them) and clears the pair. */
const SUCCESS_LUA = `
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5])
return 0
`;

export interface LoginThrottle {
  /** Consumes an attempt for (email, ip) or throws 429 with Retry-After. Call before verifying. */
  begin(email: string, ip: string): Promise<void>;
  /** The verification failed: may block the (email, ip) pair, progressively longer. */
  fail(email: string, ip: string): Promise<void>;
  /** The verification succeeded: refunds the attempt and clears the pair's failures. */
  succeed(email: string, ip: string): Promise<void>;
  /**
   * The owner proved control of the address (a password reset): clears the account's failures
   * from all IPs, so a lock-out by guesses spread over many IPs ends, and the block of the pair
   * the reset came from. Other pairs stay blocked: a guesser's own IPs are not forgiven.
   */
  forgive(email: string, ip: string): Promise<void>;
}

/**
 * Login limits per client IP, per (account, IP) with progressively longer blocks, and a looser
 * per-account cap, so a stranger's wrong guesses cannot lock the owner out from their own IP.
 * Like the other limiters it fails open (logs, allows) when Redis is unreachable.
 */
export function createLoginThrottle(opts: { redis: Redis; prefix: string; logger: Logger }): LoginThrottle {
  const { redis, logger } = opts;
  const base = `${opts.prefix}:rl:login`;
  const keys = (email: string, ip: string) => {
    const pair = `${base}:pair:${email}|${ip}`;
    return { ip: `${base}:ip:${ip}`, pair, account: `${base}:acct:${email}`, block: `${pair}:block`, strikes: `${pair}:strikes` };
  };
  const windowMs = LOGIN_WINDOW_SEC * 1000;
  const failOpen = (err: unknown) => logger.warn({ err, limiter: 'login' }, 'rate limiter unavailable; allowing');
  return {
    async begin(email, ip) {
      const k = keys(email, ip);
      let waitMs: number;
      try {
        waitMs = Number(await redis.eval(ATTEMPT_LUA, 4, k.ip, k.pair, k.account, k.block,
          LOGIN_MAX_FAILURES_PER_IP, LOGIN_MAX_FAILURES_PER_ACCOUNT_IP, LOGIN_MAX_FAILURES_PER_ACCOUNT, windowMs));
      } catch (err) {
        failOpen(err);
        return;
      }
      if (waitMs > 0) {
        const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
        throw new AppError('rate_limited', `Too many failed attempts; retry in ${retryAfter} s`, { retryAfterSeconds: retryAfter }, { 'Retry-After': String(retryAfter) });
      }
    },
    async fail(email, ip) {
      const k = keys(email, ip);
      await redis.eval(FAILURE_LUA, 3, k.pair, k.block, k.strikes, LOGIN_MAX_FAILURES_PER_ACCOUNT_IP, windowMs, LOGIN_MAX_BLOCK_SEC * 1000, LOGIN_STRIKES_WINDOW_MS).catch(failOpen);
    },
    async succeed(email, ip) {
      const k = keys(email, ip);
      await redis.eval(SUCCESS_LUA, 5, k.ip, k.account, k.pair, k.block, k.strikes).catch(failOpen);
    },
    async forgive(email, ip) {
      const k = keys(email, ip);
      await redis.del(k.account, k.pair, k.block, k.strikes).catch(failOpen);
    },
  };
}
