// The Sites page's install check: what the site has received (waiting → receiving from
// https://…), which origins were refused in the last hour, one-click "add this origin", and a
// test inquiry stored as a widget submission is (replacing the previous test's).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { AppError, notFound } from '../errors.ts';
import { ZInquiryBody } from '../inquiries/inquiry-schemas.ts';
import { consentOf, storeWidgetInquiry, widgetInquiryInput } from '../inquiries/submit-inquiry.ts';
import { db } from '../db/kysely.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { enqueueAfterCommit } from '../jobs/wakeup.ts';
import type { Queues } from '../jobs/queues.ts';
import type { Logger } from '../logger.ts';
import { MAX_ALLOWED_ORIGINS } from '../shared/origins.ts';
import { readBlockedOrigins, type BlockedOrigin } from './blocked-origins.ts';
import { resolveIngestSite } from './resolve-ingest-site.ts';
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
 * Sends a test inquiry as the widget form would send it, from the site's first allowed origin:
 * the same site key and Origin check (`resolveIngestSite`) and the same storage
 * (`storeWidgetInquiry`: lead, inquiry, scoring, `lead.created` / `inquiry.created`, the new-inquiry
 * email, the "inquiry unanswered" reminder), as the lead "Test inquiry" <test-inquiry+…@example.com>.
 * It does not count as the site's install check: that must come from the website itself.
 *
 * A test **replaces** the test lead's previous inquiry, in the transaction that stores the new
 * one (`clearPreviousTest`): the test lead always holds exactly one test inquiry and is scored as
 * a lead with one inquiry is. Each click used to add one (40 + 25 + 25 points by default): three
 * tests made the fake lead hot — a `lead.hot` webhook, an email alert and a "call within 1 hour"
 * reminder for a contact that does not exist. Tests of one site run one at a time (the site row
 * is locked), so two clicks at once cannot both keep theirs. Emails not yet sent for what was
 * replaced are cancelled; webhook messages already written stay.
 *
 * `leadCreated` says whether this test created the lead (the first test of the site), for the
 * route's live event; `replaced` how many earlier test inquiries it removed.
 */
export async function sendTestInquiry({ em, queues, config, log, tenant, siteId, now }: {
  em: EntityManager; queues: Queues; config: Config; log: Logger; tenant: Tenant; siteId: string; now: Date;
}): Promise<{ leadId: string; inquiryId: string | null; origin: string; leadCreated: boolean; replaced: number }> {
  const site = await getSite({ em, tenant, siteId });
  if (!site.enabled) throw new AppError('conflict', 'This site is disabled; enable it to send a test inquiry');
  const origin = site.allowedOrigins[0];
  if (!origin) throw new AppError('conflict', 'Add your website’s origin to the allowed origins first: the test inquiry is sent as if from it');
  const email = testInquiryEmail(site.siteId);
  const input = ZInquiryBody.parse({
    site: site.publicKey,
    id: randomUUID(),
    name: TEST_INQUIRY_NAME,
    email,
    message: `Test inquiry sent from the Porchlight admin at ${now.toISOString()} to check the form path of “${site.name}”. You can delete this lead.`,
    url: `${origin}/`,
    consent: true,
  });
  // The checks a widget submission passes: the site key, and the Origin the browser would send.
  const ingestEm = em.fork();
  const ingestSite = await resolveIngestSite({ em: ingestEm, publicKey: input.site, origin });
  const submission = widgetInquiryInput(input, consentOf(input, ingestSite.settings.requireConsent !== false, now));
  const { wakeups, replaced, ...result } = await transactionalWithRetry(ingestEm, async (tem) => {
    // FOR NO KEY UPDATE: serialises tests of this site, while the key-share locks that real
    // submissions' inserts take on the site row pass.
    const locked = await db(tem).selectFrom('sites').select('site_id').where('site_id', '=', site.siteId).where(ownedBy(tenant)).forNoKeyUpdate().executeTakeFirst();
    if (!locked) throw notFound('Site');
    const replaced = await clearPreviousTest(tem, { tenant, siteId: site.siteId, email, now });
    const stored = await storeWidgetInquiry(tem, { site: ingestSite, input: submission, now, createdAt: now, config });
    return { ...stored, replaced };
  });
  await enqueueAfterCommit(queues, wakeups, log);
  if (!result.leadId) throw new AppError('conflict', `The test inquiry was not stored (${result.outcome})`);
  return { leadId: result.leadId, inquiryId: result.inquiryId, origin, leadCreated: result.leadCreated, replaced };
}

/**
 * Undoes what the site's earlier test inquiries did to the test lead, in the test's transaction,
 * so the new one lands on a lead as a first inquiry finds it: deletes the test lead's inquiries
 * from this site (their new-inquiry emails not yet sent are cancelled when they would be sent:
 * `render-notification`), deletes its open automatic reminders ("inquiry unanswered", "call
 * within 1 hour — lead turned hot": the new inquiry records its own, if the rule is on), cancels
 * its pending hot-lead email, and puts its score back to a new lead's (0, cold, unscored) —
 * `storeWidgetInquiry` then flags it and the worker scores the one inquiry, announcing `lead.hot`
 * only if one inquiry makes a lead hot under the realtor's rules. Touches only the test lead (this
 * account's lead with the site's test address); what the realtor added to it by hand (notes,
 * activities, manual inquiries, their own reminders) stays. Returns how many inquiries it deleted.
 */
async function clearPreviousTest(tem: EntityManager, { tenant, siteId, email, now }: { tenant: Tenant; siteId: string; email: string; now: Date }): Promise<number> {
  const lead = await db(tem).selectFrom('leads').select('lead_id').where(ownedBy(tenant)).where('email', '=', email).forNoKeyUpdate().executeTakeFirst();
  if (!lead) return 0;
  const leadId = lead.lead_id;
  const gone = await db(tem)
    .deleteFrom('inquiries')
    .where('lead_id', '=', leadId)
    .where('site_id', '=', siteId)
    .where('source', '=', 'widget')
    .executeTakeFirst();
  const replaced = Number(gone.numDeletedRows);
  if (!replaced) return 0;
  await db(tem)
    .deleteFrom('follow_up_reminders')
    .where(ownedBy(tenant))
    .where('lead_id', '=', leadId)
    .where('auto_rule', 'is not', null)
    .where('status', 'in', ['pending', 'due'])
    .execute();
  await db(tem)
    .updateTable('notifications')
    .set({ status: 'cancelled', last_error: 'test inquiry replaced', next_attempt_at: null, leased_until: null, lease_token: null, data: null, updated_at: now })
    .where(ownedBy(tenant))
    .where('lead_id', '=', leadId)
    .where('kind', '=', 'lead_hot')
    .where('status', '=', 'pending')
    .execute();
  await db(tem)
    .updateTable('leads')
    .set({ score: 0, score_band: 'cold', score_breakdown: null, scored_at: null, updated_at: sql`now()` })
    .where('lead_id', '=', leadId)
    .execute();
  return replaced;
}
