// The Sites page's install check: what the site has received (waiting → receiving from
// https://…), which origins were refused in the last hour, one-click "add this origin", and a
// test inquiry sent through the widget's own ingest path.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { Tenant } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { ZInquiryBody } from '../inquiries/inquiry-schemas.ts';
import { submitInquiry } from '../inquiries/submit-inquiry.ts';
import type { Queues } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { MAX_ALLOWED_ORIGINS } from '../shared/origins.ts';
import { readBlockedOrigins, type BlockedOrigin } from './blocked-origins.ts';
import { excludeFromInstallCheck } from './resolve-ingest-site.ts';
import type { Site } from './site.entity.ts';
import { changeSite, getSite } from './sites.ts';

/** Events within this long count as "receiving". */
export const RECEIVING_WINDOW_MS = 24 * 60 * 60_000;
/** Refused requests with no accepted event for this long make the status "blocked". */
export const BLOCKED_WINDOW_MS = 60 * 60_000;

export type InstallState = 'waiting' | 'receiving' | 'blocked' | 'idle';

/**
 * The status, from what was received and what was refused: never "receiving" when, in the last
 * hour, every request was refused (blocked requests and no accepted event in that hour).
 */
export function decideInstallState({ lastEventAt, blockedCount, now }: { lastEventAt: Date | null; blockedCount: number; now: Date }): InstallState {
  const age = lastEventAt ? now.getTime() - lastEventAt.getTime() : Number.POSITIVE_INFINITY;
  if (blockedCount > 0 && age > BLOCKED_WINDOW_MS) return 'blocked';
  if (age <= RECEIVING_WINDOW_MS) return 'receiving';
  return lastEventAt ? 'idle' : 'waiting';
}

export interface InstallStatus {
  status: InstallState;
  lastEventAt: string | null;
  lastEventOrigin: string | null;
  blockedOrigins: BlockedOrigin[];
}

export async function getInstallStatus({ em, redis, prefix, tenant, siteId, now }: { em: EntityManager; redis: Redis; prefix: string; tenant: Tenant; siteId: string; now: Date }): Promise<InstallStatus> {
  const site = await getSite({ em, tenant, siteId });
  // Origins allowed since they were refused are not "blocked" any more. Redis down: no counts,
  // the rest of the check still answers.
  const blocked = (await readBlockedOrigins({ redis, prefix, siteId, now }).catch(() => [])).filter((b) => !site.allowedOrigins.includes(b.origin));
  const blockedCount = blocked.reduce((sum, b) => sum + b.count, 0);
  return {
    status: site.enabled ? decideInstallState({ lastEventAt: site.lastEventAt ?? null, blockedCount, now }) : 'idle',
    lastEventAt: site.lastEventAt?.toISOString() ?? null,
    lastEventOrigin: site.lastEventOrigin ?? null,
    blockedOrigins: blocked,
  };
}

/** The install state of each of `sites` (the Sites list): one Redis pipeline per site, read concurrently. */
export async function getInstallStates({ redis, prefix, sites, now }: { redis: Redis; prefix: string; sites: Site[]; now: Date }): Promise<Map<string, InstallState>> {
  const states = await Promise.all(
    sites.map(async (site): Promise<[string, InstallState]> => {
      if (!site.enabled) return [site.siteId, 'idle'];
      const blocked = (await readBlockedOrigins({ redis, prefix, siteId: site.siteId, now }).catch(() => [])).filter((b) => !site.allowedOrigins.includes(b.origin));
      return [site.siteId, decideInstallState({ lastEventAt: site.lastEventAt ?? null, blockedCount: blocked.reduce((n, b) => n + b.count, 0), now })];
    }),
  );
  return new Map(states);
}

/**
 * Adds one origin to the site's allowed origins (no-op when it is there already), with the site
 * row locked (`changeSite`): adds sent at once each keep theirs. A full list is a 400 naming
 * `origin`, as `PATCH /v1/sites/:id` names `allowedOrigins` for a list too long.
 */
export async function addAllowedOrigin({ em, tenant, siteId, origin }: { em: EntityManager; tenant: Tenant; siteId: string; origin: string }): Promise<Site> {
  return changeSite({ em, tenant, siteId }, (site) => {
    if (site.allowedOrigins.includes(origin)) return;
    if (site.allowedOrigins.length >= MAX_ALLOWED_ORIGINS) {
      // The message as well as the detail says it: the admin's toast shows the message.
      const full = `At most ${MAX_ALLOWED_ORIGINS} origins; remove one first`;
      throw new AppError('validation_failed', full, [{ path: 'origin', message: full }]);
    }
    site.allowedOrigins = [...site.allowedOrigins, origin];
  });
}

/** The contact of a site's test inquiries: one test lead per site, found again by each test. */
export function testInquiryEmail(siteId: string): string {
  return `test-inquiry+${siteId.slice(0, 8)}@example.com`;
}
export const TEST_INQUIRY_NAME = 'Test inquiry';

/**
 * Sends a test inquiry through the widget's ingest path (`submitInquiry`: site key, Origin check
 * against the site's first allowed origin, lead, inquiry, scoring, webhooks and alerts), as the
 * lead "Test inquiry" <test-inquiry+…@example.com>, easy to spot and to delete. It does not count
 * as the site's install check: that must come from the website itself. `leadCreated` says whether
 * this test created the lead (the first test of the site), for the route's live event.
 */
export async function sendTestInquiry({ em, queues, config, log, tenant, siteId, userAgent, now }: {
  em: EntityManager; queues: Queues; config: Config; log: Logger; tenant: Tenant; siteId: string; userAgent: string | undefined; now: Date;
}): Promise<{ leadId: string; inquiryId: string | null; origin: string; leadCreated: boolean }> {
  const site = await getSite({ em, tenant, siteId });
  if (!site.enabled) throw new AppError('conflict', 'This site is disabled; enable it to send a test inquiry');
  const origin = site.allowedOrigins[0];
  if (!origin) throw new AppError('conflict', 'Add your website’s origin to the allowed origins first: the test inquiry is sent as if from it');
  const input = ZInquiryBody.parse({
    site: site.publicKey,
    id: randomUUID(),
    name: TEST_INQUIRY_NAME,
    email: testInquiryEmail(site.siteId),
    message: `Test inquiry sent from the Porchlight admin at ${now.toISOString()} to check the form path of “${site.name}”. You can delete this lead.`,
    url: `${origin}/`,
    consent: true,
  });
  const ingestEm = em.fork();
  excludeFromInstallCheck(ingestEm);
  const result = await submitInquiry({
    em: ingestEm, queues, config, log, now, input, origin,
    // The realtor's browser: a real one, so the bot filter lets it through as it would a visitor.
    userAgent: userAgent?.trim() ? userAgent : 'Mozilla/5.0 (Porchlight admin test inquiry)',
  });
  if (!result.leadId) throw new AppError('conflict', `The test inquiry was not stored (${result.outcome})`);
  return { leadId: result.leadId, inquiryId: result.inquiryId, origin, leadCreated: result.leadCreated };
}
