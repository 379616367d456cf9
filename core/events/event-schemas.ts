import { z } from 'zod';
import { ZReachableContact } from '../leads/contact-schemas.ts';
import { plainText } from '../validation/plain-text.ts';
import { EVENT_PROP_KEY_MAX_CHARS, EVENT_TEXT_MAX_CHARS, EVENT_TYPE_PATTERN, MAX_EVENT_PROPS, MAX_EVENTS_PER_BATCH } from '../shared/event-limits.ts';
import { ZClientId, ZListingRef, ZPageUrl, ZSiteKey, ZVisitorId } from './ingest-text.ts';

/** Largest `POST /v1/collect` body. */
export const COLLECT_BODY_LIMIT_BYTES = 32 * 1024;
/** The event type that identifies a visitor (`porchlight('identify', …)`); never stored with its contact data. */
export const IDENTIFY_EVENT_TYPE = 'identify';

const ZPropValue = z.union([plainText(EVENT_TEXT_MAX_CHARS), z.number(), z.boolean(), z.null()]);

const ZEventProps = z
  .record(plainText(EVENT_PROP_KEY_MAX_CHARS).min(1), ZPropValue)
  .refine((props) => Object.keys(props).length <= MAX_EVENT_PROPS, `At most ${MAX_EVENT_PROPS} properties`);

/** One analytics event as the tracker sends it. Unknown keys are ignored (tolerant reader: a cached older or newer tracker still gets its events stored). */
export const ZCollectEvent = z.object({
  /** Client event id: a replayed batch stores each event once. */
  id: ZClientId,
  type: z.string().regex(EVENT_TYPE_PATTERN, 'Event types are lower_snake_case, 1–40 characters, starting with a letter'),
  value: plainText(EVENT_TEXT_MAX_CHARS).optional(),
  listing: ZListingRef.optional(),
  url: ZPageUrl.optional(),
  /** Client clock, epoch ms; clamped to the server's clock on arrival. */
  ts: z.number().optional(),
  props: ZEventProps.optional(),
});
export type CollectEvent = z.output<typeof ZCollectEvent>;

/**
 * `POST /v1/collect`. Compiled ahead of time (`z.compile`): every beacon is parsed with it, and a
 * valid body takes one generated function instead of the per-node interpreter (about 3× faster);
 * an invalid one falls back to the interpreter, so issues, paths and messages are the same.
 * Compile this final schema: one derived from it (`.extend`, `.refine`) would be uncompiled.
 */
export const ZCollectBody = z.compile(z
  .object({
    site: ZSiteKey,
    visitor: ZVisitorId,
    /** The browser has Do-Not-Track or Global Privacy Control on. */
    dnt: z.boolean().optional(),
    events: z.array(ZCollectEvent).min(1, 'Send at least one event').max(MAX_EVENTS_PER_BATCH, `At most ${MAX_EVENTS_PER_BATCH} events per batch`),
  })
  .superRefine((body, ctx) => {
    // An identify event must carry a valid way to reach the person, or the batch is refused as a whole.
    body.events.forEach((event, i) => {
      if (event.type !== IDENTIFY_EVENT_TYPE) return;
      const parsed = ZReachableContact.safeParse(event.props ?? {});
      if (!parsed.success) {
        for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: ['events', i, 'props', ...issue.path], message: issue.message });
      }
    });
  }));
export type CollectBody = z.output<typeof ZCollectBody>;

/** What both ingest endpoints answer on success; deliberately carries no lead data. */
export const ZIngestAccepted = z.object({ ok: z.literal(true) });

/**
 * Props the tracker adds to the page view of a listing page (an element with
 * `data-porchlight-listing`): the listing's title (`data-listing-title`, else `og:title`, else the
 * document title) and its photo (`og:image`). Stored with the event like any prop; the analytics
 * rollup copies the latest of each into `listings` (core/analytics/rollup-events.ts).
 */
export const LISTING_TITLE_PROP = 'listingTitle';
export const LISTING_IMAGE_PROP = 'listingImage';
