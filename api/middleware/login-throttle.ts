import type { Redis } from 'ioredis';
import { rateLimited } from '#core/errors.ts';
import type { Logger } from '#core/logger.ts';
import { DAY_MS } from '#core/shared/time.ts';
import { DEVICE_COOKIE_MAX_AGE_SEC } from './device-cookie.ts';
import { rateLimitKeyOfIp } from './ip-key.ts';

/** Failed logins allowed per client IP (any accounts) in a window. */
export const LOGIN_MAX_FAILURES_PER_IP = 30;
/** Failed logins allowed for one account from one client IP in a window; then that pair is blocked. */
export const LOGIN_MAX_FAILURES_PER_ACCOUNT_IP = 10;
/**
 * Failed logins allowed for one account from all IPs together: looser, against guessing spread over
 * many IPs. A browser with the account's device cookie is not held by it (its own budget is below).
 */
export const LOGIN_MAX_FAILURES_PER_ACCOUNT = 50;
/**
 * Failed logins allowed with one device cookie in a window (in place of the (account, IP) budget);
 * spending it revokes the cookie, which from then on counts as none (OWASP's device lockout).
 */
export const LOGIN_MAX_FAILURES_PER_DEVICE = 10;
export const LOGIN_WINDOW_SEC = 15 * 60;
/** Each repeat block of the same (account, IP) pair within a day doubles, up to a day. */
export const LOGIN_MAX_BLOCK_SEC = DAY_MS / 1000;
/** Repeat blocks of a pair are counted over this long. */
export const LOGIN_STRIKES_WINDOW_MS = DAY_MS;

/**
 * One attempt, atomically: refuse (with the wait in ms) if the (account, IP) pair is blocked or any
 * budget is spent; otherwise consume one point of each BEFORE the password is verified, so parallel
 * guesses cannot all pass a check that is only counted afterwards.
 * With a device cookie that is not revoked, the device's budget takes the pair's place and the
 * account's cap is not checked (its point is still consumed, and refunded on success): strangers
 * filling the account's budget from many IPs cannot lock out a browser the owner logged in from.
 * KEYS: ip, pair, account, pair block[, device, device revoked]. ARGV: ip max, pair max, account
 * max, window ms[, device max]. Answers { wait ms (0: go on), 1 if counted against the device }.
 */
const ATTEMPT_LUA = `
local device = #KEYS == 6 and redis.call('EXISTS', KEYS[6]) == 0
local counted = { KEYS[1], KEYS[2], KEYS[3] }
local maxes = { tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]) }
local checked = 3
if device then
  counted[2] = KEYS[5]
  maxes[2] = tonumber(ARGV[5])
  checked = 2
else
  local blocked = redis.call('PTTL', KEYS[4])
  if blocked > 0 then return { blocked, 0 } end
end
local viaDevice = device and 1 or 0
for i = 1, checked do
  local used = tonumber(redis.call('GET', counted[i]) or '0')
  if used >= maxes[i] then
    local ttl = redis.call('PTTL', counted[i])
    if ttl < 1 then ttl = tonumber(ARGV[4]) end
    return { ttl, viaDevice }
  end
end
for i = 1, 3 do
  if redis.call('INCR', counted[i]) == 1 then redis.call('PEXPIRE', counted[i], ARGV[4]) end
end
return { 0, viaDevice }
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

/**
 * A failed verification with a device cookie: once the device has used its budget, revoke it for as
 * long as the cookie could live (later attempts with it count as without one).
 * KEYS: device, device revoked. ARGV: device max, revoked ms.
 */
const DEVICE_FAILURE_LUA = `
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * A success gives the points back (so a user's own logins never count against them) and clears the
 * pair (or the device) it was counted against.
 * KEYS: ip, account, then the keys to clear.
 */
const SUCCESS_LUA = `
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
redis.call('DEL', unpack(KEYS, 3))
return 0
`;

/** A login attempt as the throttle counts it. */
export interface LoginAttempt {
  /** Lower-cased, as login normalises it. */
  email: string;
  /** The client's full address; its budgets are keyed by `rateLimitKeyOfIp` (an IPv6 client by its /64). */
  ip: string;
  /**
   * The nonce of a device cookie issued to this account (api/middleware/device-cookie.ts), or null.
   * `begin` answers null here when the device is revoked, so the attempt counts as without one.
   */
  device: string | null;
}

export interface LoginThrottle {
  /**
   * Consumes an attempt or throws 429 with Retry-After. Call before verifying, and pass what it
   * answers (the attempt as counted) to `fail` or `succeed`.
   */
  begin(attempt: LoginAttempt): Promise<LoginAttempt>;
  /** The verification failed: may block the (email, ip) pair, progressively longer, or revoke the device. */
  fail(attempt: LoginAttempt): Promise<void>;
  /** The verification succeeded: refunds the attempt and clears the pair's (or the device's) failures. */
  succeed(attempt: LoginAttempt): Promise<void>;
  /**
   * The owner proved control of the address (a password reset): clears the account's failures
   * from all IPs, so a lock-out by guesses spread over many IPs ends, and the block of the pair
   * the reset came from. Other pairs stay blocked: a guesser's own IPs are not forgiven.
   */
  forgive(email: string, ip: string): Promise<void>;
}

/**
 * Login limits per client IP, per (account, IP) with progressively longer blocks, and a looser
 * per-account cap, so a stranger's wrong guesses cannot lock the owner out from their own IP; a
 * browser with the account's device cookie has its own budget instead of the pair's and is not held
 * by the account's cap, so guesses spread over many IPs cannot lock the owner out of it either.
 * Like the other limiters it fails open (logs, allows) when Redis is unreachable.
 */
export function createLoginThrottle(opts: { redis: Redis; prefix: string; logger: Logger }): LoginThrottle {
  const { redis, logger } = opts;
  const base = `${opts.prefix}:rl:login`;
  const keys = (email: string, clientIp: string) => {
    const ip = rateLimitKeyOfIp(clientIp);
    const pair = `${base}:pair:${email}|${ip}`;
    return { ip: `${base}:ip:${ip}`, pair, account: `${base}:acct:${email}`, block: `${pair}:block`, strikes: `${pair}:strikes` };
  };
  // The nonce is one the server made (its MAC was checked), so it is safe in a key.
  const deviceKeys = (nonce: string) => ({ device: `${base}:dev:${nonce}`, revoked: `${base}:dev:${nonce}:revoked` });
  const windowMs = LOGIN_WINDOW_SEC * 1000;
  const failOpen = (err: unknown) => logger.warn({ err, limiter: 'login' }, 'rate limiter unavailable; allowing');
  return {
    async begin(attempt) {
      const k = keys(attempt.email, attempt.ip);
      const d = attempt.device ? deviceKeys(attempt.device) : null;
      let waitMs: number;
      let viaDevice: boolean;
      try {
        const answer = await redis.eval(ATTEMPT_LUA, d ? 6 : 4, k.ip, k.pair, k.account, k.block, ...(d ? [d.device, d.revoked] : []),
          LOGIN_MAX_FAILURES_PER_IP, LOGIN_MAX_FAILURES_PER_ACCOUNT_IP, LOGIN_MAX_FAILURES_PER_ACCOUNT, windowMs, LOGIN_MAX_FAILURES_PER_DEVICE) as [number, number];
        waitMs = Number(answer[0]);
        viaDevice = Number(answer[1]) === 1;
      } catch (err) {
        failOpen(err);
        return attempt;
      }
      if (waitMs > 0) {
        const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
        throw rateLimited(`Too many failed attempts; retry in ${retryAfter} s`, retryAfter);
      }
      return viaDevice ? attempt : { ...attempt, device: null };
    },
    async fail(attempt) {
      if (attempt.device) {
        const d = deviceKeys(attempt.device);
        await redis.eval(DEVICE_FAILURE_LUA, 2, d.device, d.revoked, LOGIN_MAX_FAILURES_PER_DEVICE, DEVICE_COOKIE_MAX_AGE_SEC * 1000).catch(failOpen);
        return;
      }
      const k = keys(attempt.email, attempt.ip);
      await redis.eval(FAILURE_LUA, 3, k.pair, k.block, k.strikes, LOGIN_MAX_FAILURES_PER_ACCOUNT_IP, windowMs, LOGIN_MAX_BLOCK_SEC * 1000, LOGIN_STRIKES_WINDOW_MS).catch(failOpen);
    },
    async succeed(attempt) {
      const k = keys(attempt.email, attempt.ip);
      const cleared = attempt.device ? [deviceKeys(attempt.device).device] : [k.pair, k.block, k.strikes];
      await redis.eval(SUCCESS_LUA, 2 + cleared.length, k.ip, k.account, ...cleared).catch(failOpen);
    },
    async forgive(email, ip) {
      const k = keys(email, ip);
      await redis.del(k.account, k.pair, k.block, k.strikes).catch(failOpen);
    },
  };
}
