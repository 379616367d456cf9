// The interface between the tracker (w.js) and the lazily loaded inquiry form (w-form.js).
// Types only: the two are separate builds and meet at runtime through a dynamic import().

/** What the tracker hands the form. */
export interface FormContext {
  /** Origin of the API that served w.js (events and inquiries go there). */
  origin: string;
  /** The site's public key (`pk_…`). */
  site: string;
  /** The tracker's anonymous visitor id, so the inquiry can stitch earlier events to the lead. */
  visitor: string;
  /** `porchlight('open', {listing})`'s listing, unchecked; default: the form's `data-listing`, else the closest `data-porchlight-listing` around the form's element or the dialog's opener, else the page's first. */
  listing?: unknown;
  /** `open()` only: the event being handled when the page called `porchlight('open')` (window.event), e.g. the click on its button; the dialog's opener is its target. */
  event?: Event;
}

/** The exports of w-form.js. */
export interface FormModule {
  /** Mounts a form into every `[data-porchlight-form]` element that has none yet. */
  mount(ctx: FormContext): void;
  /** Opens the form as a modal dialog (one at a time). */
  open(ctx: FormContext): void;
}
