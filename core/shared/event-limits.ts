// Limits of the events the tracker sends to `POST /v1/collect`. The API's zod schemas
// (core/events/event-schemas.ts, ingest-text.ts) refuse anything over them, and the tracker
// (widget/tracker/main.ts) clips to them before sending, so a well-formed page never has a batch
// refused. The bundler inlines these constants into w.js (no bytes added). Counts are UTF-16 units.

/** Most events one request carries. */
export const MAX_EVENTS_PER_BATCH = 50;
/** Most properties one event carries. */
export const MAX_EVENT_PROPS = 20;
/** A property's name. */
export const EVENT_PROP_KEY_MAX_CHARS = 40;
/** A property's string value, an event's `value`, a page view's referrer. */
export const EVENT_TEXT_MAX_CHARS = 500;
/** The page URL an event carries. */
export const PAGE_URL_MAX_CHARS = 2048;
/** An event type: lower_snake_case, 1–40 characters, starting with a letter. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
