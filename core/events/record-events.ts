import { sql } from 'kysely';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { timeOrderedUuid } from '../db/time-ordered-uuid.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { AppError } from '../errors.ts';
import { enqueueAfterCommit, type Wakeup } from '../jobs/wakeup.ts';
import { ZReachableContact } from '../leads/contact-schemas.ts';
import { findOrCreateLead } from '../leads/find-or-create-lead.ts';
import { markLeadsForRescore } from '../leads/mark-for-rescore.ts';
import { recordLeadCreated } from '../leads/record-lead-events.ts';
import { recordReportedContacts } from '../leads/reported-contacts.ts';
import type { EventQuota } from '../sites/event-quota.ts';
import { type IngestRequest, type IngestSite, resolveIngestSite, touchSiteLastEventAt } from '../sites/resolve-ingest-site.ts';
import { type EventRow, eventInsertCtes, type IngestBatcher, writeIngestBatch } from './ingest-batcher.ts';
import { isBotUserAgent } from './bots.ts';
import { IDENTIFY_EVENT_TYPE, type CollectBody, type CollectEvent } from './event-schemas.ts';
import { findVisitorLead, linkVisitorToLead, touchVisitor } from './visitors.ts';
import { DAY_MS } from '../shared/time.ts';

/** Client timestamps older than this are clamped to it (an offline queue replaying yesterday's events). */
export const MAX_EVENT_AGE_MS = DAY_MS;

/** A client timestamp clamped into [now − MAX_EVENT_AGE_MS, now]; the server's clock when absent. */
export function clampEventTime(ts: number | undefined, now: Date): Date {
  const nowMs = now.getTime();
  if (ts === undefined || !Number.isFinite(ts)) return new Date(nowMs);
  return new Date(Math.min(nowMs, Math.max(nowMs - MAX_EVENT_AGE_MS, ts)));
}

/** `event_value` for a page view without a value: the URL's path, so a timeline reads "Viewed /listings/oak-12". */
function eventValue(event: CollectEvent): string | null {
  if (event.type === IDENTIFY_EVENT_TYPE) return null;
  if (event.value !== undefined) return event.value;
  if (event.type === 'page_view' && event.url) return new URL(event.url).pathname.slice(0, 500);
  return null;
}

/**
 * The batch a site's analytics budget (the per-site collect budget, the daily quota) lets through.
 * The budgets are for analytics: an `identify` (a site's own form naming the visitor) is a lead,
 * like an inquiry, and is never refused by them, nor counted. `spend` is given the batch's
 * analytics events; when it refuses them (429 `rate_limited` or `quota_exceeded`), a batch that
 * carries an identify keeps only its identify events, and a batch of analytics alone is refused
 * with that 429.
 */
async function keepWithinBudget(input: CollectBody, identifies: number, spend: (events: number) => void | Promise<void>): Promise<CollectBody> {
  const analytics = input.events.length - identifies;
  if (analytics <= 0) return input;
  try {
    await spend(analytics);
    return input;
  } catch (err) {
    if (!identifies || !(err instanceof AppError) || (err.code !== 'rate_limited' && err.code !== 'quota_exceeded')) throw err;
    return { ...input, events: input.events.filter((e) => e.type === IDENTIFY_EVENT_TYPE) };
  }
}

export type RecordEventsOutcome = 'stored' | 'ignored_bot' | 'ignored_dnt';

export interface RecordEventsResult {
  outcome: RecordEventsOutcome;
  /** Rows inserted (a replayed event is not counted). */
  stored: number;
  /** The lead the visitor is linked to after this batch, if any. */
  leadId: string | null;
  /** Leads an identify in this batch created (announced as `lead.created`; the caller publishes the live event after the commit). */
  createdLeadIds: string[];
}

/**
 * `POST /v1/collect`: checks the site and Origin, drops bots (and, when the site respects DNT,
 * anonymous visitors asking not to be tracked), spends the site's budgets (per-minute and daily,
 * analytics events only: see `keepWithinBudget`), then stores the events.
 *
 * Without identify events (nearly every beacon) the request goes through `batcher` (group
 * commit, see ingest-batcher.ts): it shares one transaction with the requests that arrived at the
 * same time and returns once that has committed. Without a batcher, the same write runs alone.
 *
 * With identify events, in one transaction of its own
 * 1. upserts the visitor (first/last seen) — which also tells whether it is linked to a lead;
 * 2. applies `identify` events: find-or-create the lead like an inquiry would; link the visitor
 *    only to a lead the identify created — one naming an existing lead is recorded beside it as
 *    a reported contact, and the visitor's browsing is not attached. A lead it creates is
 *    announced as `lead.created` (webhook deliveries, in this transaction) like any other;
 * 3. inserts the batch in one statement, each event once per (site_id, client_event_id) (`lead_analytics_keys`),
 *    with the lead id already set for linked visitors;
 * 4. flags that lead for rescoring.
 * After the commit, the rescore, stitch and webhook wake-ups are sent (best-effort), then it returns.
 *
 * `identify` events are stored as rows of type `identify` (a timeline marker) without their
 * props: the contact data lives on the lead only.
 *
 * `em` may be the root EntityManager (the beacon path passes it to skip a fork per request):
 * outside the transactions, which run on a fork of their own, only Kysely queries use it.
 */
export async function recordEvents({ em, queues, batcher, siteBudget, quota, input, origin, userAgent, now, log, config }: IngestRequest & {
  config: Config;
  /** Group commit for requests without identify events; absent → each request is its own transaction. */
  batcher?: IngestBatcher;
  /**
   * Spends `events` of the site's per-minute collect budget (the route's in-process limiter, no
   * I/O); throws 429 `rate_limited` when it is spent. Absent → no per-site budget.
   */
  siteBudget?: (site: IngestSite, events: number) => void | Promise<void>;
  /** The sites' daily event quotas (counted in memory): over it, 429 `quota_exceeded` and nothing stored. */
  quota?: EventQuota;
  input: CollectBody;
}): Promise<RecordEventsResult> {
  const site = await resolveIngestSite({ em, publicKey: input.site, origin });
  if (isBotUserAgent(userAgent)) return { outcome: 'ignored_bot', stored: 0, leadId: null, createdLeadIds: [] };

  const identities = input.events.filter((e) => e.type === IDENTIFY_EVENT_TYPE).map((e) => ZReachableContact.parse(e.props ?? {}));
  if (input.dnt === true && site.settings.respectDnt && !identities.length && !(await findVisitorLead(em, site.siteId, input.visitor))) {
    await touchSiteLastEventAt(em, site, now).catch((err) => log.warn({ err }, 'could not update sites.last_event_at'));
    return { outcome: 'ignored_dnt', stored: 0, leadId: null, createdLeadIds: [] };
  }

  // Asked only now, once the site key, the Origin, the bot and the DNT checks have passed: a
  // beacon refused or dropped by those spends none of the site's budgets (the site key is public;
  // a stranger's refused beacons must not lock the site's visitors out).
  if (siteBudget) input = await keepWithinBudget(input, identities.length, (events) => siteBudget(site, events));
  if (quota) input = await keepWithinBudget(input, identities.length, (events) => quota.consume(site, events, now));

  const times = input.events.map((e) => clampEventTime(e.ts, now));
  const firstAt = new Date(Math.min(...times.map((t) => t.getTime())));
  const lastAt = new Date(Math.max(...times.map((t) => t.getTime())));
  const rows: EventRow[] = input.events.map((e, i) => ({
    id: e.id,
    type: e.type,
    value: eventValue(e),
    listing: e.listing ?? null,
    url: e.url ?? null,
    ts: times[i].toISOString(),
    ...(e.props && e.type !== IDENTIFY_EVENT_TYPE && Object.keys(e.props).length ? { props: e.props } : {}),
  }));

  if (!identities.length) {
    const item = { siteId: site.siteId, visitorId: input.visitor, rows, firstAt, lastAt, receivedAt: now };
    const outcome = batcher
      ? await batcher.submit(item)
      : await (async () => {
          const { outcomes, wakeups } = await transactionalWithRetry(em.fork(), (tem) => writeIngestBatch(tem, [item]));
          await enqueueAfterCommit(queues, wakeups, log);
          return outcomes[0];
        })();
    await touchSiteLastEventAt(em, site, now).catch((err) => log.warn({ err }, 'could not update sites.last_event_at'));
    return { outcome: 'stored', stored: outcome.stored, leadId: outcome.leadId, createdLeadIds: [] };
  }

  const result = await transactionalWithRetry(em.fork(), async (tem) => {
    const wakeups: Wakeup[] = [];
    const createdLeadIds: string[] = [];
    let { leadId } = await touchVisitor(tem, { siteId: site.siteId, visitorId: input.visitor, firstSeenAt: firstAt, lastSeenAt: lastAt });
    for (const contact of identities) {
      const lead = await findOrCreateLead({ em: tem, userId: site.userId, siteId: site.siteId, contact });
      // Only an identify that created the lead links the visitor (and so stitches its browsing).
      // Anyone can send one naming an existing lead's email: that claim is kept beside the lead as
      // a reported contact with the visitor id, the browsing stays anonymous (docs/lead-poisoning.md).
      if (lead.created) {
        wakeups.push(await linkVisitorToLead(tem, { siteId: site.siteId, visitorId: input.visitor, leadId: lead.leadId }));
        wakeups.push(...(await recordLeadCreated({ em: tem, now, config, leadId: lead.leadId })));
        createdLeadIds.push(lead.leadId);
        leadId = lead.leadId;
      } else {
        const claimed = lead.reported.length || leadId === lead.leadId ? lead.reported : [contact.email ? { kind: 'email' as const, value: contact.email } : { kind: 'phone' as const, value: contact.phone! }];
        await recordReportedContacts(tem, { userId: site.userId, leadId: lead.leadId, siteId: site.siteId, source: 'identify', visitorId: input.visitor, details: claimed, now });
      }
    }
    // The batch in one statement: the events travel as one jsonb parameter; replays are stored once (lead_analytics_keys).
    const inserted = await sql`
      with ${eventInsertCtes(sql`
        select e.*, ${site.siteId}::uuid as site, ${input.visitor}::text as visitor, ${leadId}::uuid as lead
        from jsonb_to_recordset(${JSON.stringify(rows.map((r, ord) => ({ ...r, ord, aid: timeOrderedUuid(now.getTime()) })))}::jsonb) as e(id uuid, type text, value text, listing text, url text, ts timestamptz, props jsonb, ord int, aid uuid)`)}
      select 1 from ins`.execute(db(tem));
    const affectedRows = inserted.rows.length;
    const changed = affectedRows > 0 || identities.length > 0;
    if (leadId && changed) wakeups.push(...(await markLeadsForRescore(tem, [leadId], lastAt)));
    return { leadId, stored: affectedRows, wakeups, createdLeadIds };
  });

  await enqueueAfterCommit(queues, result.wakeups, log);
  await touchSiteLastEventAt(em, site, now).catch((err) => log.warn({ err }, 'could not update sites.last_event_at'));
  return { outcome: 'stored', stored: result.stored, leadId: result.leadId, createdLeadIds: result.createdLeadIds };
}
