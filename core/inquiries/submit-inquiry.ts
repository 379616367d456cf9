import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { isBotUserAgent } from '../events/bots.ts';
import { linkVisitorToLead, touchVisitor } from '../events/visitors.ts';
import { enqueueAfterCommit, type Wakeup } from '../jobs/wakeup.ts';
import { findOrCreateLead } from '../leads/find-or-create-lead.ts';
import { recordInquiryCreated, recordLeadCreated } from '../leads/record-lead-events.ts';
import type { Config } from '../config.ts';
import { markLeadsForRescore } from '../leads/mark-for-rescore.ts';
import { recordAutoReminder } from '../reminders/record-auto-reminder.ts';
import { type IngestRequest, resolveIngestSite, touchSiteLastEventAt } from '../sites/resolve-ingest-site.ts';
import type { InquiryBody } from './inquiry-schemas.ts';

export type SubmitInquiryOutcome = 'stored' | 'duplicate' | 'ignored_bot' | 'ignored_honeypot';

export interface SubmitInquiryResult {
  outcome: SubmitInquiryOutcome;
  leadId: string | null;
  inquiryId: string | null;
  leadCreated: boolean;
}

/**
 * `POST /v1/inquiries`: the widget form. After the site/Origin check, bot and honeypot
 * submissions are dropped silently. Otherwise, in one transaction: touch the visitor (lock order:
 * visitor before lead), find or create the lead (same user; normalised email, else phone), insert
 * the inquiry (`source` widget) `on conflict (site_id, client_event_id) do nothing`, link the
 * visitor, flag the lead for rescoring. A retried submission id changes nothing. After the commit:
 * send the wake-ups for rescoring and for the stitch job that attaches the visitor's earlier
 * anonymous events.
 */
export async function submitInquiry({ em, queues, input, origin, userAgent, now, log, config }: IngestRequest & {
  /** For the outbound events (`inquiry.created`, `lead.created`). */
  config: Config;
  input: InquiryBody;
}): Promise<SubmitInquiryResult> {
  const site = await resolveIngestSite({ em, publicKey: input.site, origin });
  const ignored = (outcome: SubmitInquiryOutcome): SubmitInquiryResult => ({ outcome, leadId: null, inquiryId: null, leadCreated: false });
  if (isBotUserAgent(userAgent)) return ignored('ignored_bot');
  if (input.hp?.trim()) return ignored('ignored_honeypot');

  const visitorId = input.visitor ?? null;
  const { wakeups, ...result } = await transactionalWithRetry(em, async (tem): Promise<SubmitInquiryResult & { wakeups: Wakeup[] }> => {
    const replay = await db(tem)
      .selectFrom('inquiries')
      .select(['lead_id', 'inquiry_id'])
      .where('site_id', '=', site.siteId)
      .where('client_event_id', '=', input.id)
      .executeTakeFirst();
    if (replay) return { outcome: 'duplicate', leadId: replay.lead_id, inquiryId: replay.inquiry_id, leadCreated: false, wakeups: [] };

    if (visitorId) await touchVisitor(tem, { siteId: site.siteId, visitorId, firstSeenAt: now, lastSeenAt: now });
    const lead = await findOrCreateLead({ em: tem, userId: site.userId, siteId: site.siteId, contact: { name: input.name, email: input.email, phone: input.phone } });
    const inserted = await db(tem)
      .insertInto('inquiries')
      .values({
        inquiry_id: sql`gen_random_uuid()`, lead_id: lead.leadId, message: input.message, created_at: now, site_id: site.siteId,
        source: 'widget', listing_ref: input.listing ?? null, page_url: input.url ?? null, client_event_id: input.id,
      })
      .onConflict((oc) => oc.columns(['site_id', 'client_event_id']).doNothing())
      .returning('inquiry_id')
      .execute();
    const wakeups = visitorId ? [await linkVisitorToLead(tem, { siteId: site.siteId, visitorId, leadId: lead.leadId })] : [];
    wakeups.push(...(await markLeadsForRescore(tem, [lead.leadId], now)));
    if (lead.created) wakeups.push(...(await recordLeadCreated({ em: tem, now, config, leadId: lead.leadId })));
    if (inserted.length) wakeups.push(...(await recordInquiryCreated({ em: tem, now, config, inquiryId: inserted[0].inquiry_id })));
    // "Inquiry unanswered for 24 h" (if the realtor keeps that rule on): dismissed at its time if they got in touch.
    if (inserted.length) wakeups.push(...((await recordAutoReminder(tem, { rule: 'inquiry_unanswered', leadId: lead.leadId, userId: site.userId, now }))?.wakeups ?? []));
    return {
      wakeups,
      outcome: inserted.length ? 'stored' : 'duplicate',
      leadId: lead.leadId,
      inquiryId: inserted[0]?.inquiry_id ?? null,
      leadCreated: lead.created,
    };
  });

  await enqueueAfterCommit(queues, wakeups, log);
  if (result.outcome === 'stored' && result.leadId) {
    await touchSiteLastEventAt(em, site, now).catch((err) => log.warn({ err }, 'could not update sites.last_event_at'));
  }
  return result;
}
