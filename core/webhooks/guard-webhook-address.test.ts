// Pure decisions only: nothing here opens a socket (the end-to-end refusals against a loopback
// receiver are in send-webhook.test.ts).
import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  checkLiteralWebhookHost,
  classifyWebhookAddress,
  createGuardedLookup,
  decideWebhookAddress,
  type ResolveAll,
  WebhookAddressRefusedError,
} from './guard-webhook-address.ts';
import { validateWebhookUrl } from './validate-webhook-url.ts';
import { checkWebhookUrl } from './webhook-endpoints.ts';

describe('webhook address classification', () => {
  it.each([
    ['10.0.0.1', 'a private address'],
    ['172.16.5.4', 'a private address'],
    ['192.168.1.10', 'a private address'],
    ['127.0.0.1', 'a loopback address'],
    ['127.8.9.10', 'a loopback address'],
    ['0.0.0.0', 'an unspecified address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['169.254.170.2', 'a cloud metadata address'],
    ['100.100.100.200', 'a cloud metadata address'],
    ['169.254.1.1', 'a link-local address'],
    ['100.64.0.1', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['100.127.255.254', 'a carrier-grade NAT address (100.64.0.0/10)'],
    ['224.0.0.1', 'a multicast address'],
    ['255.255.255.255', 'a broadcast address'],
    ['192.0.2.10', 'a reserved address'],
    ['198.18.0.1', 'a reserved address'],
    ['240.0.0.1', 'a reserved address'],
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fd00::1', 'a unique-local IPv6 address (fc00::/7)'],
    ['fc12:3456::1', 'a unique-local IPv6 address (fc00::/7)'],
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['fe80::1', 'a link-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:10.0.0.1', 'an IPv4-mapped IPv6 address'],
    ['::ffff:127.0.0.1', 'an IPv4-mapped IPv6 address'],
    ['::ffff:169.254.169.254', 'a cloud metadata address'],
    ['64:ff9b::a9fe:a9fe', 'a cloud metadata address'],
    ['::7f00:1', 'an IPv4-compatible IPv6 address (::/96, deprecated)'],
    ['::a00:1', 'an IPv4-compatible IPv6 address (::/96, deprecated)'],
    ['::808:808', 'an IPv4-compatible IPv6 address (::/96, deprecated)'],
    ['64:ff9b::a00:1', 'a special-purpose address (rfc6052)'],
    ['2002:a00:1::1', 'a special-purpose address (6to4)'],
    ['2001:db8::1', 'a reserved address'],
    ['not-an-ip', 'not an IP address'],
  ])('refuses %s as %s', (address, reason) => {
    expect(classifyWebhookAddress(address)).toEqual({ allowed: false, reason });
  });

  it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.1', '172.32.0.1', '2606:4700:4700::1111', '[2a00:1450:4001:80b::200e]'])(
    'allows the public address %s',
    (address) => {
      expect(classifyWebhookAddress(address)).toEqual({ allowed: true });
    },
  );
});

describe('webhook address decision', () => {
  it('lets an allow-listed host reach a private address, matching names case-insensitively', () => {
    expect(decideWebhookAddress({ hostname: 'LocalHost.', address: '127.0.0.1', allowedHosts: ['localhost'] })).toEqual({ allowed: true });
    expect(decideWebhookAddress({ hostname: '10.0.0.1', address: '10.0.0.1', allowedHosts: ['10.0.0.1'] })).toEqual({ allowed: true });
    expect(decideWebhookAddress({ hostname: '[::1]', address: '::1', allowedHosts: ['::1'] })).toEqual({ allowed: true });
  });

  it('refuses a name that is not allow-listed even when another one is', () => {
    expect(decideWebhookAddress({ hostname: 'crm.internal', address: '10.0.0.1', allowedHosts: ['localhost'] })).toEqual({ allowed: false, reason: 'a private address' });
  });

  it('never lets anyone reach the cloud metadata service, allow-listed or not', () => {
    expect(decideWebhookAddress({ hostname: 'metadata.google.internal', address: '169.254.169.254', allowedHosts: ['metadata.google.internal'] }))
      .toEqual({ allowed: false, reason: 'a cloud metadata address' });
  });

  it.each([
    ['10.0.0.1', /refused to connect to 10\.0\.0\.1: a private address; add the host to WEBHOOK_ALLOWED_HOSTS/],
    ['169.254.169.254', /a cloud metadata address/],
    ['[fd00::1]', /refused to connect to fd00::1: a unique-local IPv6 address/],
    ['[::ffff:10.0.0.1]', /an IPv4-mapped IPv6 address/],
    ['100.64.0.1', /carrier-grade NAT/],
  ])('refuses the IP literal %s before any socket is opened', (host, message) => {
    const err = checkLiteralWebhookHost(host, []);
    expect(err).toBeInstanceOf(WebhookAddressRefusedError);
    expect(err?.message).toMatch(message);
  });

  it('leaves names to the guarded lookup and lets public or allow-listed literals through', () => {
    expect(checkLiteralWebhookHost('crm.example.com', [])).toBeNull();
    expect(checkLiteralWebhookHost('8.8.8.8', [])).toBeNull();
    expect(checkLiteralWebhookHost('127.0.0.1', ['127.0.0.1'])).toBeNull();
  });
});

/** A resolver that answers from a table instead of DNS, so tests can point names anywhere without a network. */
function fakeResolve(table: Record<string, string[]>): ResolveAll {
  return (hostname, _options, callback) => {
    const answers = table[hostname];
    if (!answers) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
    callback(null, answers.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })));
  };
}

function runLookup(lookup: ReturnType<typeof createGuardedLookup>, hostname: string, all: boolean): Promise<{ err: Error | null; result: unknown }> {
  return new Promise((done) => {
    lookup(hostname, { all }, (err: Error | null, ...rest: unknown[]) => done({ err, result: all ? rest[0] : rest }));
  });
}

describe('guarded lookup (what the socket uses to find its address)', () => {
  const resolve = fakeResolve({
    'crm.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'rebind.example.com': ['10.0.0.1'],
    'metadata.example.com': ['169.254.169.254'],
    'cgnat.example.com': ['100.64.0.1'],
    'ula.example.com': ['fd00::1'],
    'mapped.example.com': ['::ffff:10.0.0.1'],
    'mixed.example.com': ['93.184.215.14', '192.168.0.10'],
    'intranet.example.com': ['10.1.2.3'],
  });
  const lookup = createGuardedLookup({ allowedHosts: ['intranet.example.com'], resolve });

  it.each([
    ['rebind.example.com', /refused to connect to rebind\.example\.com \(10\.0\.0\.1\): a private address/],
    ['metadata.example.com', /\(169\.254\.169\.254\): a cloud metadata address/],
    ['cgnat.example.com', /\(100\.64\.0\.1\): a carrier-grade NAT address/],
    ['ula.example.com', /\(fd00::1\): a unique-local IPv6 address/],
    ['mapped.example.com', /\(::ffff:10\.0\.0\.1\): an IPv4-mapped IPv6 address/],
    ['mixed.example.com', /\(192\.168\.0\.10\): a private address/],
  ])('refuses %s, a name that resolves to a forbidden address', async (hostname, message) => {
    for (const all of [true, false]) {
      const { err } = await runLookup(lookup, hostname, all);
      expect(err).toBeInstanceOf(WebhookAddressRefusedError);
      expect(err?.message).toMatch(message);
      expect((err as WebhookAddressRefusedError).code).toBe('EWEBHOOKREFUSED');
    }
  });

  it('passes public answers through in both callback shapes net uses', async () => {
    const all = await runLookup(lookup, 'crm.example.com', true);
    expect(all.err).toBeNull();
    expect(all.result).toEqual([{ address: '93.184.215.14', family: 4 }, { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 }]);
    const one = await runLookup(lookup, 'crm.example.com', false);
    expect(one.err).toBeNull();
    expect(one.result).toEqual(['93.184.215.14', 4]);
  });

  it('never lets an allow-listed name reach the metadata service through an IPv6 form of its address', async () => {
    // ::ffff:169.254.169.254 (IPv4-mapped) and 64:ff9b::a9fe:a9fe (NAT64) connect to 169.254.169.254.
    for (const address of ['::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '::ffff:100.100.100.200']) {
      const guarded = createGuardedLookup({ allowedHosts: ['crm.internal'], resolve: fakeResolve({ 'crm.internal': [address] }) });
      for (const all of [true, false]) {
        const { err } = await runLookup(guarded, 'crm.internal', all);
        expect(err, address).toBeInstanceOf(WebhookAddressRefusedError);
        expect(err?.message).toMatch(/a cloud metadata address$/);
      }
      expect(decideWebhookAddress({ hostname: 'crm.internal', address, allowedHosts: ['crm.internal'] })).toEqual({ allowed: false, reason: 'a cloud metadata address' });
    }
    // An allow-listed name may still reach other private addresses written that way.
    expect(decideWebhookAddress({ hostname: 'crm.internal', address: '::ffff:10.0.0.5', allowedHosts: ['crm.internal'] })).toEqual({ allowed: true });
  });

  it('lets an allow-listed name resolve to a private address', async () => {
    const { err, result } = await runLookup(lookup, 'intranet.example.com', false);
    expect(err).toBeNull();
    expect(result).toEqual(['10.1.2.3', 4]);
  });

  it('passes resolution errors through unchanged', async () => {
    const { err } = await runLookup(lookup, 'nowhere.example.com', true);
    expect((err as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
  });
});

describe('endpoint URL validation (when a realtor saves an endpoint)', () => {
  const allowedHosts = ['127.0.0.1'];
  it.each([
    ['https://crm.example.com/hooks', 'https://crm.example.com/hooks'],
    ['  HTTPS://CRM.Example.com:443/a?b=1  ', 'https://crm.example.com/a?b=1'],
    ['http://crm.example.com:8080/in', 'http://crm.example.com:8080/in'],
    ['https://bücher.example/hook', 'https://xn--bcher-kva.example/hook'],
    ['http://127.0.0.1:4010/hooks', 'http://127.0.0.1:4010/hooks'],
  ])('accepts %s as %s', (input, normalised) => {
    expect(validateWebhookUrl(input, { allowedHosts })).toBe(normalised);
  });

  it.each([
    ['', 'url is required'],
    ['crm.example.com/hooks', 'url must be an absolute URL such as https://crm.example.com/webhooks'],
    ['ftp://crm.example.com/', 'url must use https (or http), not ftp'],
    ['javascript:alert(1)', 'url must use https (or http), not javascript'],
    ['https://user:pass@crm.example.com/', 'url must not contain a user name or password; receivers authenticate webhooks by their signature'],
    ['https://crm.example.com/#frag', 'url must not contain a #fragment (it is never sent to the receiver)'],
    [`https://crm.example.com/${'a'.repeat(2048)}`, 'url must be at most 2048 characters'],
    ['http://10.0.0.1/hooks', 'url points to a private address (10.0.0.1); webhook receivers must be publicly reachable (an operator can allow-list hosts with WEBHOOK_ALLOWED_HOSTS)'],
    ['http://169.254.169.254/latest/meta-data', 'url points to a cloud metadata address (169.254.169.254); webhook receivers must be publicly reachable'],
    ['http://[::ffff:10.0.0.1]/', 'url points to an IPv4-mapped IPv6 address (::ffff:a00:1); webhook receivers must be publicly reachable (an operator can allow-list hosts with WEBHOOK_ALLOWED_HOSTS)'],
    ['http://0x0a.1/', 'url points to a private address (10.0.0.1); webhook receivers must be publicly reachable (an operator can allow-list hosts with WEBHOOK_ALLOWED_HOSTS)'],
    ['http://localhost:3000/', 'url points to localhost, a loopback name; webhook receivers must be publicly reachable (an operator can allow-list hosts with WEBHOOK_ALLOWED_HOSTS)'],
    ['http://api.localhost/', 'url points to api.localhost, a loopback name; webhook receivers must be publicly reachable (an operator can allow-list hosts with WEBHOOK_ALLOWED_HOSTS)'],
  ])('rejects %j with a clear message', (input, message) => {
    try {
      validateWebhookUrl(input, { allowedHosts });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ code: 'validation_failed', message, details: [{ path: 'url', message }] });
    }
  });

  it('tells an operator trying a local receiver which setting allows it, and accepts it once allowed', () => {
    for (const [url, host] of [['http://127.0.0.1:4010/', '127.0.0.1'], ['http://[::1]:4010/', '::1'], ['http://localhost:4010/', 'localhost']]) {
      expect(() => validateWebhookUrl(url, { allowedHosts: [] }), url).toThrow(/publicly reachable \(an operator can allow-list hosts with WEBHOOK_ALLOWED_HOSTS\)$/);
      expect(validateWebhookUrl(url, { allowedHosts: [host] })).toBe(url);
    }
    // Allow-listing never lifts a metadata address, so that refusal does not suggest it.
    expect(() => validateWebhookUrl('http://169.254.169.254/', { allowedHosts: ['169.254.169.254'] })).toThrow(/publicly reachable$/);
  });
});

describe('a saved name that resolves to a refused address', () => {
  const resolve = async (host: string) => ({ 'crm.internal': ['10.0.0.7'], 'imds.example.com': ['169.254.169.254'] })[host] ?? [];
  it('says an operator can allow-list it, except where allow-listing would not help (a metadata address)', async () => {
    await expect(checkWebhookUrl('https://crm.internal/in', { allowedHosts: [], resolve })).rejects.toThrow(/resolves to 10\.0\.0\.7, a private address; webhook receivers must be publicly reachable \(an operator can allow-list hosts with WEBHOOK_ALLOWED_HOSTS\)$/);
    await expect(checkWebhookUrl('https://crm.internal/in', { allowedHosts: ['crm.internal'], resolve })).resolves.toBe('https://crm.internal/in');
    await expect(checkWebhookUrl('https://imds.example.com/in', { allowedHosts: [], resolve })).rejects.toThrow(/a cloud metadata address; webhook receivers must be publicly reachable$/);
  });
});
