import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * SSRF guard for webhook deliveries. A realtor types any URL; the worker must never be the one
 * who reaches the cloud metadata service, the database or an admin panel on the private network.
 *
 * The check runs where the socket gets its address — the `lookup` function handed to
 * `http.request` — so the address that is checked is the address that is connected to. A check
 * before the request (resolve, then connect by name) would let a DNS answer with a short TTL
 * change in between ("DNS rebinding"). IP literals never reach `lookup` (net connects to them
 * directly), so `checkLiteralWebhookHost` covers them before the request is made.
 *
 * Classification is ipaddr.js's table of IANA special-purpose ranges; only its `unicast` range
 * (ordinary public addresses) is allowed, so any range it learns about later is refused by default.
 */

/** Addresses of cloud instance metadata services: refused even for allow-listed hosts. */
const CLOUD_METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, Oracle, DigitalOcean…
  '169.254.170.2', // AWS ECS task metadata
  '100.100.100.200', // Alibaba Cloud
  'fd00:ec2::254', // AWS IMDS over IPv6
]);
const METADATA_REASON = 'a cloud metadata address';

/** ipaddr.js ranges of IPv6 addresses that embed an IPv4 address in their last 32 bits (IPv4-mapped, SIIT, NAT64). */
const EMBEDS_IPV4 = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052']);

/** Human words for ipaddr.js range names, used in the refusal message. */
const RANGE_REASONS: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private address',
  reserved: 'a reserved address',
  uniqueLocal: 'a unique-local IPv6 address (fc00::/7)',
  ipv4Mapped: 'an IPv4-mapped IPv6 address',
};

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** Host names compare case-insensitively, without IPv6 brackets or a trailing root dot. */
export function normaliseWebhookHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/** Whether an IP address may receive webhooks when its host is not allow-listed. */
export function classifyWebhookAddress(address: string): AddressVerdict {
  const text = normaliseWebhookHost(address).replace(/%.*$/, ''); // drop an IPv6 zone id (fe80::1%eth0)
  if (!ipaddr.isValid(text)) return { allowed: false, reason: 'not an IP address' };
  const parsed = ipaddr.parse(text);
  const range = parsed.range();
  const isMetadata = (a: ipaddr.IPv4 | ipaddr.IPv6) => CLOUD_METADATA_ADDRESSES.has(a.toNormalizedString()) || CLOUD_METADATA_ADDRESSES.has(a.toString());
  // An IPv6 address that carries an IPv4 one in its last 32 bits (::ffff:a.b.c.d, NAT64's
  // 64:ff9b::/96) reaches that IPv4 address: the metadata check (which an allow-listed host does
  // not skip) looks at it too, or ::ffff:169.254.169.254 would pass as a mere "mapped" address.
  const embedded = EMBEDS_IPV4.has(range) ? new ipaddr.IPv4(parsed.toByteArray().slice(-4)) : null;
  if (isMetadata(parsed) || (embedded && isMetadata(embedded))) {
    return { allowed: false, reason: METADATA_REASON };
  }
  // ::a.b.c.d, the deprecated IPv4-compatible form (RFC 4291 §2.5.5.1): ipaddr.js calls it unicast,
  // and a host that still routes it (an old sit tunnel) reaches the IPv4 address, 127.0.0.1 included.
  if (range === 'unicast' && parsed.kind() === 'ipv6' && parsed.toByteArray().slice(0, 12).every((b) => b === 0)) {
    return { allowed: false, reason: 'an IPv4-compatible IPv6 address (::/96, deprecated)' };
  }
  if (range === 'unicast') return { allowed: true };
  return { allowed: false, reason: RANGE_REASONS[range] ?? `a special-purpose address (${range})` };
}

export interface WebhookAddressDecisionInput {
  /** The URL's host name (or IP literal). */
  hostname: string;
  /** An address the host resolved to (equal to hostname for IP literals). */
  address: string;
  /** WEBHOOK_ALLOWED_HOSTS: host names (or literals) exempt from the guard, e.g. 127.0.0.1 for local receivers. */
  allowedHosts: readonly string[];
}

/** The guard's decision for one resolved address of a host. */
export function decideWebhookAddress({ hostname, address, allowedHosts }: WebhookAddressDecisionInput): AddressVerdict {
  const verdict = classifyWebhookAddress(address);
  // Nobody's CRM lives at a metadata service: that one is refused even for allow-listed hosts.
  if (!verdict.allowed && verdict.reason === METADATA_REASON) return verdict;
  if (isAllowListed(hostname, allowedHosts)) return { allowed: true };
  return verdict;
}

export function isAllowListed(hostname: string, allowedHosts: readonly string[]): boolean {
  const host = normaliseWebhookHost(hostname);
  return allowedHosts.some((h) => normaliseWebhookHost(h) === host);
}

/** Appended to refusals an operator can lift (not to a cloud metadata address, refused even for allow-listed hosts). */
export const ALLOW_LIST_HINT = ' (an operator can allow-list hosts with WEBHOOK_ALLOWED_HOSTS)';

/** The allow-list hint for a refusal of `reason`, or nothing where allow-listing would not help. */
export function allowListHint(reason: string): string {
  return reason === METADATA_REASON ? '' : ALLOW_LIST_HINT;
}

/** Thrown (through the socket) when the guard refuses a host; `code` lets callers tell it from network errors. */
export class WebhookAddressRefusedError extends Error {
  readonly code = 'EWEBHOOKREFUSED';
  readonly hostname: string;
  readonly address: string;
  /** Why, in words ("a loopback address"). */
  readonly reason: string;
  constructor(hostname: string, address: string, reason: string) {
    const where = normaliseWebhookHost(hostname) === normaliseWebhookHost(address) ? address : `${hostname} (${address})`;
    // No allow-list advice where it would not help (a metadata address).
    super(`refused to connect to ${where}: ${reason}${reason === METADATA_REASON ? '' : '; add the host to WEBHOOK_ALLOWED_HOSTS to allow it'}`);
    this.name = 'WebhookAddressRefusedError';
    this.hostname = hostname;
    this.address = address;
    this.reason = reason;
  }
}

/**
 * The check for URLs whose host is an IP literal (net does not call `lookup` for those).
 * Returns null when the host is a name, which the guarded lookup checks instead.
 */
export function checkLiteralWebhookHost(hostname: string, allowedHosts: readonly string[]): WebhookAddressRefusedError | null {
  const host = normaliseWebhookHost(hostname);
  if (!isIP(host)) return null;
  const verdict = decideWebhookAddress({ hostname: host, address: host, allowedHosts });
  return verdict.allowed ? null : new WebhookAddressRefusedError(host, host, verdict.reason);
}

/** dns.lookup's shape with `all: true`; injectable so tests can pretend a name resolves anywhere. */
export type ResolveAll = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const resolveWithSystem: ResolveAll = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * A `lookup` for `http.request`/`net.connect` that resolves the host and refuses it when any of
 * its addresses is not allowed (a name with one public and one private address is refused:
 * net may try either). Supports both callback shapes net uses (`all: true` for Happy Eyeballs).
 */
export function createGuardedLookup({ allowedHosts, resolve = resolveWithSystem }: { allowedHosts: readonly string[]; resolve?: ResolveAll }): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (...args: any[]) => void) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      if (addresses.length === 0) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }));
      for (const { address } of addresses) {
        const verdict = decideWebhookAddress({ hostname, address, allowedHosts });
        if (!verdict.allowed) return callback(new WebhookAddressRefusedError(hostname, address, verdict.reason));
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
