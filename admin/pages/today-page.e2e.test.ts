// Today's times in a real browser against the real API and Postgres: the page says "times for
// <the realtor's zone>", so a showing's time reads as the clock does there, not in the browser's
// zone (the browser here is in Tokyo, the realtor in New York). Screenshots at 1440×900 and
// 390×844 in test-results/screenshots. Run `npm run build:admin` first.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoHorizontalOverflow, newSessionPage, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { makeActivity } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';

const REALTOR_ZONE = 'America/New_York';
const BROWSER_ZONE = 'Asia/Tokyo';

const suite = useBrowserSuite();
let realtor: ApiClient;
let showingAt: Date;

const clock = (at: Date, timeZone: string) => new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone }).format(at);

beforeAll(async () => {
  const { server } = suite;
  realtor = new ApiClient(server.url);
  const { userId } = await realtor.signUp({ username: 'Dana Realtor' });
  expect((await realtor.get('/v1/notification-preferences')).body.timeZone).toBe(REALTOR_ZONE);
  const leadId = (await realtor.post('/v1/leads', { name: 'Jordan Avery', email: 'jordan@example.com', phone: '(415) 555-0134' })).body.leadId;
  // Now is always on the realtor's calendar day, so the showing is listed.
  showingAt = new Date();
  await makeActivity(server, { userId, leadId, type: 'showing', occurredAt: showingAt, body: '12 Oak St' });
});

describe('Today in a browser in another time zone than the realtor', () => {
  it.each([
    ['1440', { width: 1440, height: 900 }],
    ['390', { width: 390, height: 844 }],
  ])('at %s the showing\'s time is the realtor\'s clock, as the header says', async (name, viewport) => {
    const { server, browser, contexts, pageErrors } = suite;
    const page = await newSessionPage(browser, server, realtor, { contexts, timeoutMs: 20_000, pageErrors, viewport, locale: 'en-US', timezoneId: BROWSER_ZONE });
    await page.goto(`${server.url}/app/today`);
    await page.getByText('times for America/New York').waitFor();
    const time = page.locator('#today-showings-section time');
    await time.waitFor();
    expect(clock(showingAt, REALTOR_ZONE)).not.toBe(clock(showingAt, BROWSER_ZONE));
    expect((await time.textContent())?.replace(/\u202f/g, ' ')).toBe(clock(showingAt, REALTOR_ZONE).replace(/\u202f/g, ' '));
    await expectNoHorizontalOverflow(page, `Today at ${name}`);
    await saveScreenshot(page, `today-page-zone-${name}`);
  });
});
