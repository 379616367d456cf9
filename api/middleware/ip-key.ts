import { isIP } from 'node:net';

/** The hextets of an IPv6 address `isIP` accepted (no zone id), `::` expanded, a dotted tail as two. */
function hextetsOf(address: string): number[] {
  const groupsOf = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a, b, c, d] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const [head, tail] = address.split('::');
  const before = groupsOf(head);
  const after = tail === undefined ? [] : groupsOf(tail);
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
}

/**
 * The key a per-IP rate limit counts a client under. An IPv6 client usually holds a whole /64 and
 * can take a fresh address for every request, so IPv6 is keyed by its /64 prefix, in one spelling
 * (`2001:db8:0:1::/64`: four lower-case hextets, no leading zeros) whatever the address's own
 * spelling. An IPv4-mapped address (`::ffff:1.2.3.4`, as a dual-stack socket reports IPv4 clients)
 * is the IPv4 address, and so is one under the well-known NAT64 prefix (`64:ff9b::203.0.113.7`),
 * and IPv4 and anything unparsable are kept as they are. Only limiter keys use
 * this: logs and session records keep the full address.
 */
export function rateLimitKeyOfIp(ip: string): string {
  // A zone id (`fe80::1%eth0`) names the server's interface, not the client.
  const address = ip.split('%')[0];
  if (isIP(address) !== 6) return ip;
  const h = hextetsOf(address);
  const mapped = h.slice(0, 5).every((g) => g === 0) && h[5] === 0xffff;
  // 64:ff9b::/96 (RFC 6052): a NAT64 translator's IPv4 clients, who would otherwise all share one /64.
  const nat64 = h[0] === 0x64 && h[1] === 0xff9b && h.slice(2, 6).every((g) => g === 0);
  if (mapped || nat64) return `${h[6] >> 8}.${h[6] & 0xff}.${h[7] >> 8}.${h[7] & 0xff}`;
  return `${h.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}
