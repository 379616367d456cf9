// Porchlight tracker (w.js): page views, tool interactions, the porchlight() command queue and
// the lazily loaded inquiry form, in ≤ 1.5 KB gzip. A classic script (IIFE) so that
// document.currentScript works. It never throws into the host page and defines no global other
// than window.porchlight. Wire format and behaviour: widget/README.md.
//
// One closure on purpose: the minifier (oxc) neither inlines single-use functions across
// modules nor hoists repeated property reads, and every byte here is downloaded by every visitor.
// For the same reason a local is sometimes a default parameter (`(e, el = …) => …`) and a body an
// expression: no `{ const …; return … }`. Only where every caller passes fewer arguments.
import { EVENT_PROP_KEY_MAX_CHARS, EVENT_TEXT_MAX_CHARS, MAX_EVENT_PROPS, MAX_EVENTS_PER_BATCH, PAGE_URL_MAX_CHARS } from '#core/shared/event-limits.ts';
import { LISTING_REF_MAX_CHARS, LISTING_TITLE_MAX_CHARS } from '#core/shared/field-limits.ts';
import type { FormModule } from '../contract.ts';
import { clip, uuid } from '../shared/text.ts';

/** An event as it goes on the wire. */
type TrackerEvent = Record<string, unknown>;

/** window.porchlight: the snippet's queueing stub before w.js runs, the real function after. */
interface Porchlight {
  (command: string, ...args: unknown[]): void;
  /** Calls queued by the stub. */
  q?: ArrayLike<unknown>[];
  /** Set on the real function: a second copy of the snippet leaves the first in charge. */
  l?: 1;
}

const LISTING_ATTR = 'data-porchlight-listing';

/** Wraps an entry point (listener, timer, the public function) so that nothing throws into the host page. */
const safe =
  <A extends unknown[]>(f: (...a: A) => unknown) =>
  (...a: A): void => {
    try {
      f(...a);
    } catch {
      // the host page must never see our errors
    }
  };

/**
 * The first MAX_EVENT_PROPS (20) properties, keys ≤ 40 and strings ≤ 500 characters
 * (core/shared/event-limits.ts); numbers and booleans as they are (JSON makes NaN and Infinity
 * null); any other value (an object, an array, a BigInt, null) becomes null. The API refuses a
 * batch with one prop it cannot take (400, every event in it lost), and JSON.stringify throws on a
 * BigInt. None (no props given): an empty object, which the API stores as none.
 * (`(typeof value)[5]`: a short tell-apart — 'g' string; 't' bigint and object; 'a' boolean,
 * 'r' number, 'i' function and undefined, 'l' symbol, which JSON leaves out.)
 */
const cleanProps = (input: any, out: Record<string, unknown> = {}) => {
  for (const [key, value, t = (typeof value)[5]] of Object.entries(input || 0).slice(0, MAX_EVENT_PROPS)) {
    out[clip(key, EVENT_PROP_KEY_MAX_CHARS)] = t === 'g' ? clip(value, EVENT_TEXT_MAX_CHARS) : t < 't' ? value : null;
  }
  return out;
};

try {
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  // (`prerendering`: Chrome 108+, not in TypeScript's DOM types yet)
  const doc = document as Document & { prerendering?: boolean };
  // Set while a classic script runs for the first time, async or not (so: no lookup by src).
  const script = doc.currentScript as HTMLScriptElement | null;
  const site = script?.getAttribute('data-site');
  // (window.porchlight written out twice: fewer gzip bytes than a `window` alias)
  const stub = (window as any).porchlight as Porchlight | undefined;
  if (site && !stub?.l) {
    const src = script!.src;
    const origin = new URL(src).origin;
    const endpoint = `${origin}/v1/collect`;

    // The anonymous visitor id lives in localStorage (never a cookie); where storage is blocked
    // (Safari private mode, sandboxed iframes) it lives for this page only. Read on first use, not
    // while the host page is still parsing: a page's first localStorage access is a synchronous
    // trip to the browser process (1–4 ms in headless Chromium, most of w.js's run time).
    let visitor: string;
    // The retry queue is per site: one origin can host several realtors' sites (a brokerage's
    // agents), and a page must never send another site's events under its own key.
    const storeKey = `porchlight_q${site}`;
    // Do-Not-Track / Global Privacy Control: the API decides, by the site's setting, what to drop.
    const envelope = () => {
      // (storage is read once: `visitor` stays valid after the first call)
      try {
        if (!/^[\w-]{36}$/.test((visitor ||= localStorage.porchlight_vid))) localStorage.porchlight_vid = visitor = uuid();
      } catch {
        visitor = uuid();
      }
      // (undefined, left out of the JSON, unless the browser says either way; `== 1`: doNotTrack is
      // the string '1' when on, and == converts it — two bytes fewer than === '1')
      // biome-ignore lint/suspicious/noDoubleEquals: the conversion is the point (bytes)
      return { site, visitor, dnt: (nav.doNotTrack as unknown) == 1 || nav.globalPrivacyControl };
    };

    /**
     * Most UTF-8 bytes of a batch's events: the API refuses a body over 32 KiB (COLLECT_BODY_LIMIT_BYTES)
     * for good (413), and the envelope around them takes ~150. An event that would cross it goes
     * in the next batch; only a single event over it (20 props of 500 CJK characters) is refused.
     */
    const BATCH_BYTES = 32_000;
    let queue: TrackerEvent[] = [];
    let lastUrl: string | undefined;
    let loadingForm: Promise<FormModule> | 0 | undefined;

    /** Takes (and clears) this site's events that failed to send earlier, in this page or a previous one. */
    const takeStored = (): TrackerEvent[] => {
      try {
        const stored = JSON.parse(localStorage[storeKey]); // throws when there is none
        delete localStorage[storeKey];
        return [].concat(stored);
      } catch {
        return [];
      }
    };

    /** Keeps events for a retry in localStorage `porchlight_q<site key>`: at most 100, the oldest dropped first. */
    const store = (events: TrackerEvent[]) => {
      try {
        localStorage[storeKey] = JSON.stringify(takeStored().concat(events).slice(-100));
      } catch {
        // no storage: these events are lost
      }
    };

    /**
     * Sends one batch. While the page stays: fetch(keepalive), whose answer is read — a network
     * error, a 5xx or a 429 keeps the batch for a retry; any other 4xx drops it (it would never
     * succeed). When the page is going away: sendBeacon, which only says whether it queued the
     * body; if it did not (no sendBeacon, over its quota), fetch(keepalive) still outlives the page.
     * A string body goes as `text/plain;charset=UTF-8` with both: CORS-safelisted, no preflight.
     */
    const send = (events: TrackerEvent[], leaving: unknown, body = JSON.stringify({ ...envelope(), events })) =>
      // Offline (navigator.onLine false: the browser knows it has no network) the batch is kept at
      // once: a beacon would be "queued" (true) and lost, and the page may be gone before a fetch fails.
      !nav.onLine
        ? store(events)
        : (leaving && nav.sendBeacon?.(endpoint, body)) ||
          // (1 for true here and below: the browser converts it, WebIDL booleans; a byte each)
          fetch(endpoint, { method: 'POST', body, keepalive: 1 as any }).then(
            (res) => res.status > 428 && store(events), // 429 and 5xx (the API answers no other 4xx above 415)
            () => store(events),
          );

    /**
     * Sends everything queued, plus earlier failures, in batches within the API's limits. Not the
     * earlier failures when the page is going away: a beacon's "queued" is no proof of delivery,
     * so they stay stored for the next page.
     */
    const flush = safe((leaving?: unknown, batch: TrackerEvent[] = []) => {
      // (a pending timer may still fire: it finds the queue empty)
      for (const event of leaving ? queue : takeStored().concat(queue)) {
        // An event gets its id here, before it is sent or stored (then it keeps it: a retry is
        // stored once), not when recorded: a page's first crypto.getRandomValues costs ~1 ms
        // (measured in headless Chromium), which the page view would add to DOMContentLoaded.
        event.id = event.id || uuid();
        // (UTF-8 bytes, as the API counts them: CJK text takes 3 a character)
        if ((batch.push(event) > MAX_EVENTS_PER_BATCH || new Blob([JSON.stringify(batch)]).size > BATCH_BYTES) && batch[1]) {
          batch.pop();
          send(batch, leaving);
          batch = [event];
        }
      }
      queue = [];
      if (batch[0]) send(batch, leaving);
    });

    /** Queues an event of `type` on the current page: sent ~1 s later (with whatever came meanwhile), or at once with a full batch. */
    const record = (type: string, fields: TrackerEvent) =>
      queue.push({ type, url: clip(location.href, PAGE_URL_MAX_CHARS), ts: Date.now(), ...fields }) < MAX_EVENTS_PER_BATCH ? setTimeout(flush, 1000) : flush();

    /** Runs `use` with the form module, imported (once) from next to w.js; a failed import is retried next time. */
    const withForm = (use: (form: FormModule) => void) =>
      (loadingForm ||= import(/* @vite-ignore */ new URL('w-form.js', src) as any /* import() takes its string form */)).then(safe(use), () => (loadingForm = 0) /* (0, not undefined: fewer bytes) */);

    /** The listing of `el` (its own or its closest ancestor's attribute), else the page's first one. */
    const listingOf = (el?: Element | null, holder = el?.closest(`[${LISTING_ATTR}]`) || doc.querySelector(`[${LISTING_ATTR}]`)): string | undefined =>
      holder ? clip(holder.getAttribute(LISTING_ATTR), LISTING_REF_MAX_CHARS) : undefined;

    /**
     * A page view, unless the URL is unchanged (ignoring the #fragment: in-page anchors are not
     * pages); and new forms. (Called with no argument or an event: `url` is always computed.)
     */
    const onPage = safe((_?: unknown, url: string = location.href.split('#')[0]) => {
      // Not while the page is still parsing (the observer runs this then): its listing may come later.
      // Not while Chrome prerenders it (Speculation Rules, the omnibox): the visitor may never see
      // it. The prerenderingchange listener below records it once it is shown; never shown, never
      // sent. Forms still mount, so they are there when it is shown.
      // (`readyState < 'l'`: 'interactive' or 'complete', not 'loading'; 5 B fewer than !== 'loading')
      if (url !== lastUrl && doc.readyState < 'l' && !doc.prerendering) {
        // `title`: the page's `data-listing-title` when it has one (a listing page names its
        // listing, e.g. "12 Oak Street", for the realtor's listings table), else the document's.
        // og:title / og:image did not fit the tracker's 1.5 KB budget.
        record('page_view', {
          listing: listingOf(),
          props: {
            title: clip(doc.querySelector('[data-listing-title]')?.getAttribute('data-listing-title') || doc.title, LISTING_TITLE_MAX_CHARS),
            referrer: (!lastUrl && clip(doc.referrer, EVENT_TEXT_MAX_CHARS)) || undefined,
          },
        });
        lastUrl = url;
      }
      doc.querySelector('[data-porchlight-form]') && withForm((form) => form.mount({ ...envelope(), origin }));
    });

    const porchlight: Porchlight = safe((command: string, a?: any, b?: any) => {
      if (command === 'track') {
        // EVENT_TYPE_PATTERN (core/shared/event-limits.ts), written out: importing it costs a byte (widget/tracker/limits.test.ts pins it)
        // (`a?.big`: a string, which has the legacy String.prototype.big(); 4 B fewer than typeof)
        if (a?.big && /^[a-z][a-z0-9_]{0,39}$/.test(a)) record(a, { listing: listingOf(), props: cleanProps(b) });
      } else if (command === 'identify') {
        // (no argument: a TypeError, swallowed by safe(). The props go in `b`, which identify takes
        // no value for: no `const`, fewer bytes.)
        b = cleanProps({ email: a.email, name: a.name, phone: a.phone });
        // The API refuses an identify without a way to reach the person (400): it goes only with
        // an email or phone, at once and alone, so that a typo cannot cost the queued events.
        if (b.email || b.phone) {
          flush();
          record('identify', { props: b });
          flush();
        }
      } else if (command === 'open') {
        // window.event: the event being handled when the page called this (the click on its
        // button, whatever listener it used); the form themes from its target and gives it the
        // focus back. Read now: the form loads later. (undefined outside an event, and when the
        // calling listener is inside a shadow root: then the form falls back to the focused element)
        withForm((form) => form.open({ ...envelope(), origin, listing: a?.listing, event }));
      }
    });
    porchlight.l = 1;
    // (the stub queued `arguments` objects: iterable)
    for (const args of stub?.q || []) porchlight(...(args as [string]));
    (window as any).porchlight = porchlight;

    doc.addEventListener(
      'click',
      // a click's target is an Element; anything else throws into safe()
      safe((e: Event, el: Element | null = (e.target as Element).closest('[data-porchlight-event]')) => el && record('tool_interaction', { value: clip(el.getAttribute('data-porchlight-event'), EVENT_TEXT_MAX_CHARS), listing: listingOf(el) })),
      1 as any,
    );
    // Leaving (the event is the truthy `leaving`): on every visibility change, hidden or shown again
    // (a flush of the few events since then costs nothing), and on pagehide for browsers that do not
    // send visibilitychange when the page is unloaded (Safari before 14.1).
    doc.addEventListener('visibilitychange', flush);
    // A prerendered page being shown (document.prerendering turns false): its page view.
    doc.addEventListener('prerenderingchange', onPage);
    addEventListener('pagehide', flush);

    // Client-side navigation: routers change the URL and then render, so read the page a moment later.
    const later = () => setTimeout(onPage, 100);
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = history[method];
      history[method] = function (this: History) {
        later();
        return original.apply(this, arguments as any);
      };
    }
    addEventListener('popstate', later);
    // Form containers the page renders later (its deferred or framework code) get their form too:
    // onPage only mounts forms while the URL stays the same (observer callbacks come once per task).
    new MutationObserver(later).observe(doc, { childList: 1, subtree: 1 } as any);
    // An async script may run before the page is parsed: then the page view waits for DOMContentLoaded.
    doc.addEventListener('DOMContentLoaded', onPage);
    onPage();
  }
} catch {
  // never break the host page
}
