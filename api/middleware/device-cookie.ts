import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '#core/accounts/tokens.ts';
import type { Config } from '#core/config.ts';
import type { AppContext } from './context.ts';
import { isHttpsDeployment } from './security-headers.ts';

/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
 * has logged in to an account carries proof of it, and the login throttle lets that browser past
 * the account-wide cap that guesses from many IPs can fill (api/middleware/login-throttle.ts).
 * The value is `<nonce>.<HMAC-SHA256(key, "user:" + userId + "\n" + nonce)>`: the account is not
 * in the cookie, so a cookie is checked against the account that signs in with the address being
 * logged in to, and one issued for another account, forged, tampered with or malformed is simply
 * not a device cookie.
 *
 * Bound to the account's id, not to its address: a browser stays a device of the account when the
 * realtor changes the sign-in email (docs/accounts.md), and a cookie of an account that gave up an
 * address is not one of the account that registers that address next.
 */
export const DEVICE_COOKIE = 'pl_device';
/** On https deployments: `__Secure-` makes browsers insist on Secure (`__Host-` would need Path=/). */
export const HTTPS_DEVICE_COOKIE = '__Secure-pl_device';
/** Only the login route reads it, so only the login route is sent it. */
export const DEVICE_COOKIE_PATH = '/v1/auth/login';
/** How long a browser stays a known device of the account it last logged in to (renewed by each login). */
export const DEVICE_COOKIE_MAX_AGE_SEC = 180 * 24 * 3600;

const NONCE_BYTES = 16;
const VALUE_PATTERN = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

/**
 * Its own key, derived from SESSION_SECRET, so a device MAC can never be replayed as a session
 * signature or the other way round; rotating SESSION_SECRET forgets every device as well.
 */
function deviceKey(secret: string): Buffer {
  // v2: bound to the user id (v1 cookies, bound to the address, count as none until the next login).
  return createHmac('sha256', secret).update('porchlight device cookie v2').digest();
}

function signDevice(userId: string, nonce: string, secret: string): string {
  return createHmac('sha256', deviceKey(secret)).update(`user:${userId}\n${nonce}`).digest('base64url');
}

export function deviceCookieName(config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL'>): string {
  return isHttpsDeployment(config) ? HTTPS_DEVICE_COOKIE : DEVICE_COOKIE;
}

/**
 * Marks this browser a device of the account `userId`: a fresh nonce each time. Written by hand rather than with ctx.cookies, which sends Expires only: Max-Age does not
 * depend on the browser's clock. Logout leaves it in place — that is the point of it.
 */
export function setDeviceCookie(ctx: AppContext, config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL' | 'SESSION_SECRET'>, userId: string): void {
  const nonce = randomBytes(NONCE_BYTES).toString('base64url');
  const value = `${nonce}.${signDevice(userId, nonce, config.SESSION_SECRET)}`;
  // Secure whenever the session cookie is: on https deployments, also behind a TLS proxy the API does not trust.
  const secure = isHttpsDeployment(config) || ctx.secure ? '; Secure' : '';
  ctx.append('Set-Cookie', `${deviceCookieName(config)}=${value}; Max-Age=${DEVICE_COOKIE_MAX_AGE_SEC}; Path=${DEVICE_COOKIE_PATH}; SameSite=Strict; HttpOnly${secure}`);
}

/**
 * The nonce of the request's device cookie when it was issued under the current secret to the
 * account `accountOf` names (the one that signs in with the address being logged in to); null for
 * no cookie, an unknown address, another account's, a tampered or a malformed one (never an
 * error). `accountOf` is only asked when a well-formed cookie came, so a login without one costs
 * no lookup.
 */
export async function readDeviceCookie(
  ctx: AppContext,
  config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL' | 'SESSION_SECRET'>,
  accountOf: () => Promise<string | null>,
): Promise<string | null> {
  const value = ctx.cookies.get(deviceCookieName(config));
  const match = value ? VALUE_PATTERN.exec(value) : null;
  if (!match) return null;
  const [, nonce, mac] = match;
  const userId = await accountOf();
  return userId !== null && safeEqual(signDevice(userId, nonce, config.SESSION_SECRET), mac) ? nonce : null;
}
