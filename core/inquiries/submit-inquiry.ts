import type { EntityManager } from '@mikro-orm/postgresql';
import { execRaw } from '../db/raw.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { isBotUserAgent } from '../events/bots.ts';
import { linkVisitorToLead, touchVisitor } from '../events/visitors.ts';
import type { Queues } from '../jobs/queues.ts';
import { enqueueAfterCommit, type Wakeup } from '../jobs/wakeup.ts';
import { findOrCreateLead } from '../leads/find-or-create-lead.ts';
import { markLeadsForRescore } from '../leads/mark-for-rescore.ts';
import type { Logger } from '../logger.ts';
import type { Config } from '../config.ts';
import { recordOutboundEvent } from '../outbound/record-outbound-event.ts';
import { recordAutoReminder } from '../reminders/record-auto-reminder.ts';
import { resolveIngestSite, touchSiteLastEventAt } from '../sites/resolve-ingest-site.ts';
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
export async function submitInquiry({ em, queues, input, origin, userAgent, now, log, config }: {
  em: EntityManager;
  /** For the outbound events (`inquiry.created`, `lead.created`). */
  config: Config;
  queues: Queues;
  input: InquiryBody;
  origin: string | undefined;
  userAgent: string | undefined;
  now: Date;
  log: Logger;
}): Promise<SubmitInquiryResult> {
  const site = await resolveIngestSite({ em, publicKey: input.site, origin });
  const ignored = (outcome: SubmitInquiryOutcome): SubmitInquiryResult => ({ outcome, leadId: null, inquiryId: null, leadCreated: false });
  if (isBotUserAgent(userAgent)) return ignored('ignored_bot');
  if (input.hp?.trim()) return ignored('ignored_honeypot');

  const visitorId = input.visitor ?? null;
  const { wakeups, ...result } = await transactionalWithRetry(em, async (tem): Promise<SubmitInquiryResult & { wakeups: Wakeup[] }> => {
    const replay = await execRaw<{ lead_id: string; inquiry_id: string }>(
      tem,
      'select lead_id, inquiry_id from inquiries where site_id = ? and client_event_id = ?',
      [site.siteId, input.id],
      'get',
    );
    if (replay) return { outcome: 'duplicate', leadId: replay.lead_id, inquiryId: replay.inquiry_id, leadCreated: false, wakeups: [] };

    if (visitorId) await touchVisitor(tem, { siteId: site.siteId, visitorId, firstSeenAt: now, lastSeenAt: now });
    const lead = await findOrCreateLead({ em: tem, userId: site.userId, siteId: site.siteId, contact: { name: input.name, email: input.email, phone: input.phone } });
    const inserted = await execRaw<{ inquiry_id: string }>(
      tem,
      `insert into inquiries (inquiry_id, lead_id, message, created_at, site_id, source, listing_ref, page_url, client_event_id)
       values (gen_random_uuid(), ?, ?, ?, ?, 'widget', ?, ?, ?)
       on conflict (site_id, client_event_id) do nothing
       returning inquiry_id`,
      [lead.leadId, input.message, now, site.siteId, input.listing ?? null, input.url ?? null, input.id],
      'all',
    );
    const wakeups = visitorId ? [await linkVisitorToLead(tem, { siteId: site.siteId, visitorId, leadId: lead.leadId })] : [];
    wakeups.push(...(await markLeadsForRescore(tem, [lead.leadId], now)));
    if (inserted.length) wakeups.push(...(await recordOutboundEvent({ em: tem, now, config, userId: site.userId, leadId: lead.leadId, type: 'inquiry.created', data: { inquiryId: inserted[0].inquiry_id, leadId: lead.leadId } })));
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
