import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '#core/accounts/tokens.ts';
import type { Config } from '#core/config.ts';
import type { AppContext } from './context.ts';
import { isHttpsDeployment } from './security-headers.ts';

/**
 * Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"): a browser that
 * has logged in to an account carries proof of it, and the login throttle lets that browser past
 * the account-wide cap that guesses from many IPs can fill (api/middleware/login-throttle.ts).
 * The value is `<nonce>.<HMAC-SHA256(key, email + "\n" + nonce)>`: the address is not in the
 * cookie, so a cookie is checked against the address being logged in to, and one issued for
 * another account, forged, tampered with or malformed is simply not a device cookie.
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
  return createHmac('sha256', secret).update('porchlight device cookie v1').digest();
}

function signDevice(email: string, nonce: string, secret: string): string {
  return createHmac('sha256', deviceKey(secret)).update(`${email}\n${nonce}`).digest('base64url');
}

export function deviceCookieName(config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL'>): string {
  return isHttpsDeployment(config) ? HTTPS_DEVICE_COOKIE : DEVICE_COOKIE;
}

/**
 * Marks this browser a device of `email` (lower-cased, as login normalises it): a fresh nonce each
 * time. Written by hand rather than with ctx.cookies, which sends Expires only: Max-Age does not
 * depend on the browser's clock. Logout leaves it in place — that is the point of it.
 */
export function setDeviceCookie(ctx: AppContext, config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL' | 'SESSION_SECRET'>, email: string): void {
  const nonce = randomBytes(NONCE_BYTES).toString('base64url');
  const value = `${nonce}.${signDevice(email, nonce, config.SESSION_SECRET)}`;
  // Secure whenever the session cookie is: on https deployments, also behind a TLS proxy the API does not trust.
  const secure = isHttpsDeployment(config) || ctx.secure ? '; Secure' : '';
  ctx.append('Set-Cookie', `${deviceCookieName(config)}=${value}; Max-Age=${DEVICE_COOKIE_MAX_AGE_SEC}; Path=${DEVICE_COOKIE_PATH}; SameSite=Strict; HttpOnly${secure}`);
}

/**
 * The nonce of the request's device cookie when it was issued to `email` under the current secret;
 * null for no cookie, another account's, a tampered or a malformed one (never an error).
 */
export function readDeviceCookie(ctx: AppContext, config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL' | 'SESSION_SECRET'>, email: string): string | null {
  const value = ctx.cookies.get(deviceCookieName(config));
  const match = value ? VALUE_PATTERN.exec(value) : null;
  if (!match) return null;
  const [, nonce, mac] = match;
  return safeEqual(signDevice(email, nonce, config.SESSION_SECRET), mac) ? nonce : null;
}
