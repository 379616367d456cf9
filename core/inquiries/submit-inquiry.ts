import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { AppError } from '../errors.ts';
import { recordReportedContacts } from '../leads/reported-contacts.ts';
import { holdInquiry } from './hold-inquiry.ts';
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
import { type IngestRequest, type IngestSite, resolveIngestSite, touchSiteLastEventAt } from '../sites/resolve-ingest-site.ts';
import type { InquiryBody } from './inquiry-schemas.ts';

export type SubmitInquiryOutcome = 'stored' | 'duplicate' | 'filtered' | 'ignored_bot' | 'ignored_honeypot';

export interface SubmitInquiryResult {
  outcome: SubmitInquiryOutcome;
  leadId: string | null;
  inquiryId: string | null;
  leadCreated: boolean;
  /** The submission's contact details did not all match the lead it was attached to. */
  unverified?: boolean;
  /** Set when the submission was held back in the Filtered list (outcome `filtered`). */
  filteredInquiryId?: string | null;
}

/** Why a submission is held back instead of stored as an inquiry (docs/inquiry-flood.md). */
export type FilterReason = 'site_budget';

/** The consent a visitor gave: the wording they saw, its version, and when. */
export interface ConsentRecord {
  text: string | null;
  version: string | null;
  at: Date;
}

/** A widget submission as `storeWidgetInquiry` takes it (from the request, or from a released filtered row). */
export interface WidgetInquiryInput {
  clientEventId: string;
  visitorId: string | null;
  name: string | null;
  email: string | null;
  phone: string | null;
  message: string;
  listingRef: string | null;
  pageUrl: string | null;
  consent: ConsentRecord | null;
}

/** The consent of a submission: recorded when the box was ticked; required unless the site turned `requireConsent` off. */
export function consentOf(input: InquiryBody, requireConsent: boolean, now: Date): ConsentRecord | null {
  if (input.consent !== true) {
    if (requireConsent) throw new AppError('validation_failed', 'The request is not valid', [{ path: 'consent', message: 'Consent is required: check the box so the agent may contact you' }]);
    return null;
  }
  return { text: input.consentText ?? null, version: input.consentVersion ?? null, at: now };
}

/** The request body as `storeWidgetInquiry`'s input. */
export function widgetInquiryInput(input: InquiryBody, consent: ConsentRecord | null): WidgetInquiryInput {
  return {
    clientEventId: input.id, visitorId: input.visitor ?? null, name: input.name ?? null, email: input.email ?? null, phone: input.phone ?? null,
    message: input.message, listingRef: input.listing ?? null, pageUrl: input.url ?? null, consent,
  };
}

/**
 * `POST /v1/inquiries`: the widget form. After the site/Origin check, bot and honeypot
 * submissions are dropped silently; a submission without consent is a 400 unless the site turned
 * `requireConsent` off. A submission that arrives while the site is over its inquiry budget
 * (`filter`, asked only after those checks) is held back in the Filtered list (`holdInquiry`): stored, answered like any other,
 * but no lead, score, alert or webhook until the realtor releases it. Otherwise
 * `storeWidgetInquiry` stores it in one transaction, then the wake-ups are sent.
 */
export async function submitInquiry({ em, queues, input, origin, userAgent, now, log, config, filter }: IngestRequest & {
  /** For the outbound events (`inquiry.created`, `lead.created`). */
  config: Config;
  input: InquiryBody;
  /**
   * Hold the submission back in the Filtered list for this reason; absent: store it. A function
   * (the site's inquiry budget, which it spends) is called only for a submission that passed the
   * site, bot, honeypot and consent checks: what is dropped or refused anyway must not spend the
   * budget, or a spam wave the honeypot already drops would push real inquiries into Filtered.
   */
  filter?: FilterReason | null | (() => Promise<FilterReason | null>);
}): Promise<SubmitInquiryResult> {
  const site = await resolveIngestSite({ em, publicKey: input.site, origin });
  const ignored = (outcome: SubmitInquiryOutcome): SubmitInquiryResult => ({ outcome, leadId: null, inquiryId: null, leadCreated: false });
  if (isBotUserAgent(userAgent)) return ignored('ignored_bot');
  if (input.hp?.trim()) return ignored('ignored_honeypot');
  const submission = widgetInquiryInput(input, consentOf(input, site.settings.requireConsent !== false, now));

  const reason = typeof filter === 'function' ? await filter() : filter;
  if (reason) {
    const held = await holdInquiry({ em, site, input: submission, reason, now });
    return { outcome: held.outcome, leadId: null, inquiryId: null, leadCreated: false, filteredInquiryId: held.filteredInquiryId };
  }

  const { wakeups, ...result } = await transactionalWithRetry(em, (tem) => storeWidgetInquiry(tem, { site, input: submission, now, createdAt: now, config }));
  await enqueueAfterCommit(queues, wakeups, log);
  if (result.outcome === 'stored' && result.leadId) {
    await touchSiteLastEventAt(em, site, now).catch((err) => log.warn({ err }, 'could not update sites.last_event_at'));
  }
  return result;
}

/**
 * Stores one widget inquiry in the caller's transaction (retried on serialisation conflicts):
 * touch the visitor (lock order: visitor before lead), find or create the lead (same user;
 * normalised email, else phone — an existing lead is never changed), insert the inquiry (`source`
 * widget) `on conflict (site_id, client_event_id) do nothing`, keep the details the lead does not
 * hold as reported contacts and flag the inquiry `unverified` if there were any, flag the lead for
 * rescoring, announce `lead.created` / `inquiry.created`. A retried submission id (also one held
 * in the Filtered list) changes nothing.
 *
 * The visitor is linked to the lead — so its earlier anonymous browsing is stitched into it —
 * only when this submission created the lead or the visitor was already linked to it. A stranger
 * who types someone's email gets their message attached (flagged when anything differs), never
 * their browsing (docs/lead-poisoning.md).
 */
export async function storeWidgetInquiry(tem: EntityManager, { site, input, now, createdAt, config }: {
  site: Pick<IngestSite, 'siteId' | 'userId'>;
  input: WidgetInquiryInput;
  now: Date;
  /** The inquiry's time: now, or when a released submission first arrived. */
  createdAt: Date;
  config: Config;
}): Promise<SubmitInquiryResult & { wakeups: Wakeup[] }> {
  const replay = await db(tem)
    .selectFrom('inquiries')
    .select(['lead_id', 'inquiry_id'])
    .where('site_id', '=', site.siteId)
    .where('client_event_id', '=', input.clientEventId)
    .executeTakeFirst();
  if (replay) return { outcome: 'duplicate', leadId: replay.lead_id, inquiryId: replay.inquiry_id, leadCreated: false, wakeups: [] };
  const held = await db(tem)
    .selectFrom('filtered_inquiries')
    .select('filtered_inquiry_id')
    .where('site_id', '=', site.siteId)
    .where('client_event_id', '=', input.clientEventId)
    .executeTakeFirst();
  if (held) return { outcome: 'duplicate', leadId: null, inquiryId: null, leadCreated: false, filteredInquiryId: held.filtered_inquiry_id, wakeups: [] };

  const { visitorId } = input;
  const visitorLead = visitorId ? (await touchVisitor(tem, { siteId: site.siteId, visitorId, firstSeenAt: createdAt, lastSeenAt: createdAt })).leadId : null;
  const lead = await findOrCreateLead({ em: tem, userId: site.userId, siteId: site.siteId, contact: { name: input.name, email: input.email, phone: input.phone } });
  const unverified = lead.reported.length > 0;
  const inserted = await db(tem)
    .insertInto('inquiries')
    .values({
      inquiry_id: sql`gen_random_uuid()`, lead_id: lead.leadId, message: input.message, created_at: createdAt, site_id: site.siteId,
      source: 'widget', listing_ref: input.listingRef, page_url: input.pageUrl, client_event_id: input.clientEventId, unverified,
      consent_text: input.consent?.text ?? null, consent_version: input.consent?.version ?? null, consent_at: input.consent?.at ?? null,
    })
    .onConflict((oc) => oc.columns(['site_id', 'client_event_id']).doNothing())
    .returning('inquiry_id')
    .execute();
  const inquiryId = inserted[0]?.inquiry_id ?? null;
  if (inquiryId) {
    await recordReportedContacts(tem, { userId: site.userId, leadId: lead.leadId, siteId: site.siteId, source: 'inquiry', inquiryId, visitorId, details: lead.reported, now });
  }
  const mayLink = visitorId && (lead.created || visitorLead === lead.leadId);
  const wakeups = mayLink ? [await linkVisitorToLead(tem, { siteId: site.siteId, visitorId, leadId: lead.leadId })] : [];
  wakeups.push(...(await markLeadsForRescore(tem, [lead.leadId], now)));
  if (lead.created) wakeups.push(...(await recordLeadCreated({ em: tem, now, config, leadId: lead.leadId })));
  if (inquiryId) wakeups.push(...(await recordInquiryCreated({ em: tem, now, config, inquiryId })));
  // "Inquiry unanswered for 24 h" (if the realtor keeps that rule on): dismissed at its time if they got in touch.
  if (inquiryId) wakeups.push(...((await recordAutoReminder(tem, { rule: 'inquiry_unanswered', leadId: lead.leadId, userId: site.userId, now }))?.wakeups ?? []));
  return { wakeups, outcome: inquiryId ? 'stored' : 'duplicate', leadId: lead.leadId, inquiryId, leadCreated: lead.created, unverified };
}
