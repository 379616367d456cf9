// The verify-email page in a real browser against the real API: a link that did not work offers
// "Send a new link" to a signed-in, unconfirmed realtor, and a refused resend (the budget of five
// an hour spent: 429) says so on the page instead of doing nothing; the button stays, and the
// next try that goes through says the link is on its way. Opening a link confirms nothing until
// the button is pressed (mail scanners open every link). Screenshots in
// test-results/screenshots. Run `npm run build:admin` first.
import { beforeAll, describe, expect, it } from 'vitest';
import { VERIFY_RESEND_PER_USER_IP } from '#api/routes/account-email.routes.ts';
import { EMAIL_VERIFICATION_TTL_MS, issueAccountToken } from '#core/accounts/account-tokens.ts';
import { newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeRealtor, type Realtor } from '#test/factories.ts';

const suite = useBrowserSuite();
let realtor: Realtor;

beforeAll(async () => {
  realtor = await makeRealtor(suite.server); // signed in, address not confirmed yet
});

describe('verify-email page: "Send a new link"', () => {
  it('shows a refused resend (429) and lets the realtor try again', async () => {
    const { server, browser, contexts, pageErrors } = suite;
    // The browser and this client both come from 127.0.0.1: spend the realtor's resend budget.
    // The address's own cap (VERIFICATION_EMAILS_PER_ADDRESS, counted from the emails sent) is
    // lower: its count is cleared before each resend so that the user+IP limit is the one met.
    const forgetSentEmails = () => server.sql(`delete from notifications where user_id = $1 and kind = 'verify_email'`, [realtor.userId]);
    for (let i = 0; i < VERIFY_RESEND_PER_USER_IP; i++) {
      await forgetSentEmails();
      expect((await realtor.client.post('/v1/auth/verify-email/resend')).status).toBe(202);
    }
    await forgetSentEmails();

    const page = await newSessionPage(browser, server, realtor.client, { contexts, timeoutMs: 20_000, pageErrors, viewport: { width: 1280, height: 860 } });
    await page.goto(`${server.url}/app/verify-email#token=not-a-link-we-sent`);
    await page.getByRole('button', { name: 'Confirm my email address' }).click();
    await page.getByText('This link is not valid.').waitFor();
    const send = page.getByRole('button', { name: 'Send a new link' });
    const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/v1/auth/verify-email/resend')), send.click()]);
    expect(refused.status()).toBe(429);
    const alert = page.getByRole('alert').filter({ hasText: 'The link could not be sent' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Too many attempts, try again in \d+ seconds/);
    expect(await page.getByText('A new link is on its way.').count()).toBe(0);
    await saveScreenshot(page, 'verify-email-01-resend-refused');

    // The hour has passed (its key expiring is what the clock would do): the button works again.
    const keys = await server.redis.keys(`${server.config.QUEUE_PREFIX}:rl:verify-resend:*`);
    expect(keys.length).toBeGreaterThan(0);
    await server.redis.del(...keys);
    const [sent] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/v1/auth/verify-email/resend')), send.click()]);
    expect(sent.status()).toBe(202);
    await page.getByRole('status').filter({ hasText: 'A new link is on its way.' }).waitFor();
    expect(await page.getByText('The link could not be sent').count()).toBe(0);
    await saveScreenshot(page, 'verify-email-02-resent');
  });
});

describe('verify-email page: the link waits for the button', () => {
  it('opening the link confirms nothing; pressing "Confirm my email address" does', async () => {
    const { server, browser, contexts, pageErrors } = suite;
    const owner = await makeRealtor(server);
    const verifiedAt = async () => (await server.sql<{ email_verified_at: Date | null }>('select email_verified_at from users where user_id = $1', [owner.userId]))[0]?.email_verified_at;
    const { token } = await issueAccountToken({ em: server.orm.em.fork(), userId: owner.userId, purpose: 'email_verification', ttlMs: EMAIL_VERIFICATION_TTL_MS });
    const posts: string[] = [];
    const page = await newSessionPage(browser, server, owner.client, { contexts, timeoutMs: 20_000, pageErrors, viewport: { width: 1280, height: 860 } });
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/v1/auth/verify-email')) posts.push(r.url());
    });
    await page.goto(`${server.url}/app/verify-email#token=${token}`);
    const confirm = page.getByRole('button', { name: 'Confirm my email address' });
    await confirm.waitFor();
    expect(new URL(page.url()).hash).toBe('');
    // The page has settled (its session and the token read): still nothing sent, nothing changed.
    await page.waitForLoadState('networkidle');
    expect(posts).toEqual([]);
    expect(await verifiedAt()).toBeNull();
    await saveScreenshot(page, 'verify-email-03-waits-for-the-button');

    const [answer] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/v1/auth/verify-email')), confirm.click()]);
    expect(answer.status()).toBe(200);
    await page.getByRole('status').filter({ hasText: 'Your email address is confirmed.' }).waitFor();
    expect(await verifiedAt()).not.toBeNull();
    // The pressed button is gone: focus is on the heading, not lost to <body>.
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  });
});
