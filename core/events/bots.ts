/**
 * User agents whose requests are answered 202 and dropped: search and social crawlers, uptime
 * and performance probes, and HTTP libraries. Kept small on purpose: the Origin check already
 * stops most non-browser traffic, and real people must never be dropped.
 *
 * Not listed: "HeadlessChrome" and "Headless" in general. Headless Chromium is what end-to-end
 * tests, puppeteer-based QA and some accessibility tools run, and an operator testing their own
 * install expects those events to arrive. Crawlers built on it (Googlebot, bingbot…) say so in
 * their user agent and match "bot". ("CUBOT" is a phone brand, not a bot.)
 */
export const BOT_USER_AGENT_RE =
  /(?<!cu)bot\b|bot\/|crawl|spider|slurp|archiver|facebookexternalhit|embedly|lighthouse|pagespeed|gtmetrix|pingdom|phantomjs|python-requests|python-urllib|scrapy|wget|curl\/|go-http-client|okhttp|libwww|httpclient/i;

/** True for a user agent on the bot list, and for a missing one (every browser sends one). */
export function isBotUserAgent(userAgent: string | undefined | null): boolean {
  if (!userAgent?.trim()) return true;
  return BOT_USER_AGENT_RE.test(userAgent);
}
