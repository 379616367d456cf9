// An IPv6 client usually holds a whole /64 and can take a fresh address for every request, so the
// per-IP limits count IPv6 clients by their /64 (rateLimitKeyOfIp, docs/configuration.md
// "TRUST_PROXY"): addresses of one /64, however spelt, share one budget, whose spent state answers
// 429 `rate_limited` with Retry-After and changes nothing, while another /64 keeps its own; an
// IPv4-mapped address (`::ffff:a.b.c.d`) is its IPv4 address. Checked for the account routes and
// for the widget's public ingest (POST /v1/collect, POST /v1/inquiries: docs/widget-ingest.md). Behind
// one trusted proxy (TRUST_PROXY=true), as in account-link-limits.int.test.ts, so each request names
// its client address in X-Forwarded-For. Real links from a real SMTP server and worker.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOGIN_MAX_FAILURES_PER_ACCOUNT_IP, LOGIN_WINDOW_SEC } from '#api/middleware/login-throttle.ts';
import { LINK_ATTEMPT_WINDOW_SEC, LINK_ATTEMPTS_PER_IP } from '#api/routes/account-email.routes.ts';
import { SIGNUPS_PER_IP_PER_HOUR } from '#api/routes/auth.routes.ts';
import { COLLECT_EVENTS_PER_IP_PER_MIN, INQUIRIES_PER_IP_PER_10_MIN } from '#api/routes/ingest.routes.ts';
import { MAX_EVENTS_PER_BATCH } from '#core/shared/event-limits.ts';
import { makeRealtor, makeSite } from '#test/factories.ts';
import { ApiClient, type HttpResult } from '#test/http.ts';
import { sendIngest } from '#test/ingest.ts';
import { linkTokenIn } from '#test/smtp.ts';
import { useMailStack } from '#test/mail-stack.ts';

const stack = useMailStack({ TRUST_PROXY: 'true' });
const uniqueEmail = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
/** As long as a real link token, and as hopeless. */
const madeUpToken = () => randomUUID().replaceAll('-', '') + randomUUID().slice(0, 11);

/**
 * The i-th address of the /64 `2001:db8:<net>:1::/64`, spelt three ways in turn (compressed,
 * upper case, fully written out), so a budget shared by spelling alone would not pass.
 */
function sibling(net: number, i: number): string {
  const host = (i + 1).toString(16);
  const spellings = [
    `2001:db8:${net.toString(16)}:1::${host}`,
    `2001:DB8:${net.toString(16).toUpperCase()}:1:0:FFFF:0:${host.toUpperCase()}`,
    `2001:0db8:${net.toString(16).padStart(4, '0')}:0001:0000:0000:abcd:${host.padStart(4, '0')}`,
  ];
  return spellings[i % spellings.length];
}
/** An address in the next /64 over. */
const neighbour = (net: number) => `2001:db8:${net.toString(16)}:2::1`;

/** A POST to a public route as the proxy forwards it from `clientIp`. */
function postFrom(clientIp: string, path: string, json: unknown): Promise<HttpResult> {
  return new ApiClient(stack.server.url).request('POST', path, { json, headers: { 'x-forwarded-for': clientIp } });
}

/** The 429 of a spent budget: `rate_limited` JSON and a Retry-After within the window. */
function expectRateLimited(res: HttpResult, windowSec: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(429);
  expect(res.body.error.code).toBe('rate_limited');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSec);
  expect(res.headers.get('set-cookie')).toBeNull();
}

describe('per-IP limits count an IPv6 client by its /64', () => {
  it(`signup: ${SIGNUPS_PER_IP_PER_HOUR} from different addresses of one /64 spend its budget; the next is refused and creates nothing; another /64 signs up`, async () => {
    const net = 0xa;
    for (let i = 0; i < SIGNUPS_PER_IP_PER_HOUR; i++) {
      const res = await postFrom(sibling(net, i), '/v1/auth/signup', { username: `v6 ${i}`, email: uniqueEmail('v6-signup'), password: 'correct horse battery' });
      expect(res.status, `signup ${i + 1} from ${sibling(net, i)}`).toBe(201);
    }
    const input = { username: 'v6 refused', email: uniqueEmail('v6-refused'), password: 'correct horse battery' };
    expectRateLimited(await postFrom(sibling(net, SIGNUPS_PER_IP_PER_HOUR), '/v1/auth/signup', input), 3600);
    // Nothing was created: the same address signs up afresh (201, not the 202 of a registered one) from another /64.
    const elsewhere = await postFrom(neighbour(net), '/v1/auth/signup', input);
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(201);
    expect(elsewhere.body.user.email).toBe(input.email);
  });

  it(`POST /v1/auth/verify-email: ${LINK_ATTEMPTS_PER_IP} attempts from addresses of one /64 spend its budget; the valid link from a sibling is refused and verifies nothing; another /64 verifies`, async () => {
    const realtor = new ApiClient(stack.server.url);
    const { email } = await realtor.signUp({ email: uniqueEmail('v6-verifier') });
    const mail = await stack.smtp.waitFor((m) => m.envelope.to.includes(email) && /Confirm your email/.test(m.subject));
    const token = linkTokenIn(mail, 'verify-email');

    const net = 0xb;
    for (let i = 0; i < LINK_ATTEMPTS_PER_IP; i++) {
      const res = await postFrom(sibling(net, i), '/v1/auth/verify-email', { token: madeUpToken() });
      expect(res.status, `attempt ${i + 1} from ${sibling(net, i)}`).toBe(400);
      expect(res.body.error.code).toBe('token_invalid');
    }
    expectRateLimited(await postFrom(sibling(net, LINK_ATTEMPTS_PER_IP), '/v1/auth/verify-email', { token }), LINK_ATTEMPT_WINDOW_SEC);
    expect((await realtor.get('/v1/auth/me')).body.user.emailVerified).toBe(false);

    const verified = await postFrom(neighbour(net), '/v1/auth/verify-email', { token });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    expect(verified.body).toEqual({ emailVerified: true });
    expect((await realtor.get('/v1/auth/me')).body.user.emailVerified).toBe(true);
  });

  it(`login: ${LOGIN_MAX_FAILURES_PER_ACCOUNT_IP} wrong passwords from addresses of one /64 block the pair; the right password from a sibling is refused without a session; another /64 logs in`, async () => {
    const { email, password } = await new ApiClient(stack.server.url).signUp({ email: uniqueEmail('v6-login') });
    const logIn = (clientIp: string, pw: string) => postFrom(clientIp, '/v1/auth/login', { email, password: pw });

    const net = 0xc;
    for (let i = 0; i < LOGIN_MAX_FAILURES_PER_ACCOUNT_IP; i++) {
      expect((await logIn(sibling(net, i), 'a wrong guess')).status, `guess ${i + 1} from ${sibling(net, i)}`).toBe(401);
    }
    expectRateLimited(await logIn(sibling(net, LOGIN_MAX_FAILURES_PER_ACCOUNT_IP), password), LOGIN_WINDOW_SEC);

    const owner = await logIn(neighbour(net), password);
    expect(owner.status, JSON.stringify(owner.body)).toBe(200);
    expect(owner.body.user.email).toBe(email);
  });
});

describe('the public ingest limits count an IPv6 client by its /64', () => {
  const ORIGIN = 'https://homes.example';
  let siteKey: string;
  beforeAll(async () => {
    ({ publicKey: siteKey } = await makeSite(await makeRealtor(stack.server), { name: 'Oak Realty', allowedOrigins: [ORIGIN] }));
  });

  /** An ingest POST as the widget sends it (allowed Origin, browser user agent, text/plain), forwarded from `clientIp`. */
  const ingestFrom = (clientIp: string, path: string, body: unknown) => sendIngest(`${stack.server.url}${path}`, body, { defaultOrigin: ORIGIN, nextIp: () => clientIp });
  /** The rows an ingest request can write, all tables over. */
  async function counts() {
    const [row] = await stack.server.sql<Record<string, number>>(
      `select (select count(*)::int from lead_analytics) as events, (select count(*)::int from visitors) as visitors, (select count(*)::int from leads) as leads,
              (select count(*)::int from inquiries) as inquiries, (select count(*)::int from filtered_inquiries) as held`,
    );
    return row;
  }

  /**
   * Spends a budget with `spends` accepted requests, the i-th from `from(i)`, then sends `refused`
   * from `refusedFrom`: 429 `rate_limited` with Retry-After, and no row written anywhere.
   */
  async function spendThenRefuse({ path, spends, from, spend, refusedFrom, refused, windowSec }: {
    path: string; spends: number; from: (i: number) => string; spend: () => unknown; refusedFrom: string; refused: unknown; windowSec: number;
  }): Promise<void> {
    for (let i = 0; i < spends; i++) {
      const res = await ingestFrom(from(i), path, spend());
      expect(res.status, `request ${i + 1} from ${from(i)}: ${res.text}`).toBe(202);
    }
    const before = await counts();
    expectRateLimited(await ingestFrom(refusedFrom, path, refused), windowSec);
    expect(await counts()).toEqual(before);
  }

  // Collect's points are events: the budget is spent by full batches. The beacon lane
  // (api/beacon-lane.ts) serves these POSTs, through the ingest routes' own `collect`.
  const batchesPerBudget = COLLECT_EVENTS_PER_IP_PER_MIN / MAX_EVENTS_PER_BATCH;
  const beacon = (events = MAX_EVENTS_PER_BATCH) => ({ site: siteKey, visitor: `v_${randomUUID().slice(0, 8)}`, events: Array.from({ length: events }, () => ({ id: randomUUID(), type: 'page_view' })) });
  const storedEventsOf = async (visitor: string) => (await stack.server.sql<{ n: number }>('select count(*)::int as n from lead_analytics where visitor_id = $1', [visitor]))[0].n;
  /**
   * The collect limit counts in fixed one-minute windows aligned on the clock's minutes
   * (createSharedWindowLimiter): a budget spent across a minute boundary would be split over two
   * windows and never run out. With less than 3 s left in this minute (a burst takes well under
   * one), start at the next one.
   */
  const startOfRoomyWindow = async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 3_000) await new Promise((r) => setTimeout(r, left + 50));
  };

  it(`POST /v1/collect: ${COLLECT_EVENTS_PER_IP_PER_MIN} events from addresses of one /64 spend its budget; a sibling's beacon is refused and stores nothing; another /64's is stored`, async () => {
    const net = 0xd;
    await startOfRoomyWindow();
    const refused = beacon(1);
    await spendThenRefuse({ path: '/v1/collect', spends: batchesPerBudget, from: (i) => sibling(net, i), spend: () => beacon(), refusedFrom: sibling(net, batchesPerBudget), refused, windowSec: 60 });

    // The same beacon from the next /64 over is stored (its event ids were not taken by the refused one).
    const elsewhere = await ingestFrom(neighbour(net), '/v1/collect', refused);
    expect(elsewhere.status, elsewhere.text).toBe(202);
    expect(await storedEventsOf(refused.visitor)).toBe(1);
  });

  it(`POST /v1/collect: an IPv4-mapped address (::ffff:198.51.100.7) shares the budget of 198.51.100.7`, async () => {
    await startOfRoomyWindow();
    await spendThenRefuse({ path: '/v1/collect', spends: batchesPerBudget, from: () => '198.51.100.7', spend: () => beacon(), refusedFrom: '::ffff:198.51.100.7', refused: beacon(1), windowSec: 60 });
  });

  const inquiry = (overrides: Record<string, unknown> = {}) => ({
    site: siteKey, id: randomUUID(), name: 'Dana Whitaker', email: uniqueEmail('v6-inquiry'), message: 'Is 12 Oak St still available?', listing: 'oak-12', consent: true, ...overrides,
  });
  const storedInquiriesOf = async (email: string) =>
    (await stack.server.sql<{ n: number }>('select count(*)::int as n from inquiries i join leads l using (lead_id) where l.email = $1', [email]))[0].n;

  it(`POST /v1/inquiries: ${INQUIRIES_PER_IP_PER_10_MIN} from addresses of one /64 spend its budget; a sibling's inquiry is refused and writes no lead or inquiry; another /64's is stored`, async () => {
    const net = 0xe;
    const refused = inquiry();
    // Honeypot submissions count against the limit but store nothing.
    await spendThenRefuse({
      path: '/v1/inquiries', spends: INQUIRIES_PER_IP_PER_10_MIN, from: (i) => sibling(net, i), spend: () => inquiry({ hp: 'x' }),
      refusedFrom: sibling(net, INQUIRIES_PER_IP_PER_10_MIN), refused, windowSec: 600,
    });

    // The same submission from the next /64 over makes its lead and inquiry (the refused one had taken nothing).
    const elsewhere = await ingestFrom(neighbour(net), '/v1/inquiries', refused);
    expect(elsewhere.status, elsewhere.text).toBe(202);
    expect(await storedInquiriesOf(refused.email)).toBe(1);
  });

  it(`POST /v1/inquiries: an IPv4-mapped address (::ffff:198.51.100.7) shares the budget of 198.51.100.7`, async () => {
    const refused = inquiry();
    await spendThenRefuse({ path: '/v1/inquiries', spends: INQUIRIES_PER_IP_PER_10_MIN, from: () => '198.51.100.7', spend: () => inquiry({ hp: 'x' }), refusedFrom: '::ffff:198.51.100.7', refused, windowSec: 600 });
    expect(await storedInquiriesOf(refused.email)).toBe(0);
  });
});
