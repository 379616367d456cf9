import { isIP } from 'node:net';
import { AppError } from '../errors.ts';
import { ALLOW_LIST_HINT, checkLiteralWebhookHost, isAllowListed, normaliseWebhookHost } from './guard-webhook-address.ts';
/** The `webhook_endpoints.url` column length. */
export const WEBHOOK_URL_MAX_LENGTH = 2048;

/**
 * Checks an endpoint URL when a realtor saves it, so obvious mistakes get a clear 400 at once.
 * This is a courtesy, not the security boundary: a name can resolve anywhere later, so the
 * guarded lookup checks the address again on every send (guard-webhook-address.ts).
 * Returns the normalised URL (WHATWG: lower-case host, punycode, default port dropped).
 */
export function validateWebhookUrl(input: string, { allowedHosts }: { allowedHosts: readonly string[] }): string {
  const fail = (message: string) => new AppError('validation_failed', message, [{ path: 'url', message }]);
  const text = input.trim();
  if (text.length === 0) throw fail('url is required');
  if (text.length > WEBHOOK_URL_MAX_LENGTH) throw fail(`url must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw fail('url must be an absolute URL such as https://crm.example.com/webhooks');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw fail(`url must use https (or http), not ${url.protocol.replace(/:$/, '')}`);
  if (url.username || url.password) throw fail('url must not contain a user name or password; receivers authenticate webhooks by their signature');
  if (url.hash) throw fail('url must not contain a #fragment (it is never sent to the receiver)');
  const host = normaliseWebhookHost(url.hostname);
  if (!host) throw fail('url must have a host');
  const literal = checkLiteralWebhookHost(host, allowedHosts);
  if (literal) {
    // The hint is for an operator testing with a local receiver; it is left off where allow-listing
    // would not help (a cloud metadata address is refused even for allow-listed hosts).
    const liftable = checkLiteralWebhookHost(host, [host]) === null;
    throw fail(`url points to ${literal.reason} (${host}); webhook receivers must be publicly reachable${liftable ? ALLOW_LIST_HINT : ''}`);
  }
  // RFC 6761: every *.localhost name is loopback, whatever DNS says.
  if (!isIP(host) && (host === 'localhost' || host.endsWith('.localhost')) && !isAllowListed(host, allowedHosts)) {
    throw fail(`url points to ${host}, a loopback name; webhook receivers must be publicly reachable${ALLOW_LIST_HINT}`);
  }
  if (url.href.length > WEBHOOK_URL_MAX_LENGTH) throw fail(`url must be at most ${WEBHOOK_URL_MAX_LENGTH} characters`);
  return url.href;
}
