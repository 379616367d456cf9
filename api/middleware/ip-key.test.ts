import { describe, expect, it } from 'vitest';
import { rateLimitKeyOfIp } from './ip-key.ts';

describe('the rate-limit key of a client address', () => {
  it.each([
    // IPv4 is counted per address.
    ['203.0.113.7', '203.0.113.7'],
    ['10.0.0.1', '10.0.0.1'],
    // IPv4-mapped IPv6 is the IPv4 client, in either spelling.
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['0:0:0:0:0:ffff:cb00:7107', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    // Every spelling of an address in one /64 gives the /64.
    ['2001:db8:0:1::1', '2001:db8:0:1::/64'],
    ['2001:db8:0:1:ffff:ffff:ffff:ffff', '2001:db8:0:1::/64'],
    ['2001:0DB8:0000:0001:0000:0000:0000:0001', '2001:db8:0:1::/64'],
    ['2001:DB8:0:1:A:B:C:D', '2001:db8:0:1::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:db8:0:0:1::', '2001:db8:0:0::/64'],
    ['2001:db8::', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::', '0:0:0:0::/64'],
    // The well-known NAT64 prefix (64:ff9b::/96, RFC 6052) carries an IPv4 client: behind a
    // translator every IPv4 visitor shares that /64, so it counts as its IPv4 address.
    ['64:ff9b::203.0.113.7', '203.0.113.7'],
    ['64:FF9B::CB00:7107', '203.0.113.7'],
    // A dotted tail under any other prefix is still IPv6.
    ['2001:db8::203.0.113.7', '2001:db8:0:0::/64'],
    // A zone id names the server's interface, not the client.
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['fe80::2%1', 'fe80:0:0:0::/64'],
  ])('%s → %s', (ip, key) => {
    expect(rateLimitKeyOfIp(ip)).toBe(key);
  });

  it('puts addresses of another /64 under another key', () => {
    expect(rateLimitKeyOfIp('2001:db8:0:2::1')).not.toBe(rateLimitKeyOfIp('2001:db8:0:1::1'));
    expect(rateLimitKeyOfIp('2001:db8:1:1::1')).not.toBe(rateLimitKeyOfIp('2001:db8:0:1::1'));
  });

  it.each(['', 'unknown', 'not an ip', '[2001:db8::1]', '2001:db8::1::2', '2001:db8:0:1:2:3:4:5:6', '1.2.3.04', '::ffff:1.2.3', 'abc%eth0', ' 2001:db8::1'])(
    'keeps what it cannot parse as it is: %j',
    (ip) => {
      expect(rateLimitKeyOfIp(ip)).toBe(ip);
    },
  );
});
