// The inquiry form: name, email, phone, message, consent and a honeypot, posted to
// `POST /v1/inquiries` (docs/widget-ingest.md), inline or as a modal dialog. Fields are
// uncontrolled, so whatever the person typed stays put through errors and retries; one
// submission id is kept until it succeeds, so a retry after a lost answer stores one inquiry.
/** @jsxRuntime classic */
/** @jsx h */
// biome-ignore lint/correctness/noUnusedImports: the classic JSX runtime (pragma above) calls it
import { h } from 'preact';
import { CONTACT_NAME_MAX_CHARS, EMAIL_MAX_CHARS, INQUIRY_MESSAGE_MAX_CHARS, PHONE_MAX_CHARS } from '#core/shared/field-limits.ts';
import type { FormContext } from '../contract.ts';
import { clip } from '../shared/text.ts';
import { FIELD_ORDER, type FieldErrors, type FieldName, type InquiryValues, validate } from './validate.ts';

/** A theme option by name (`accent`, `heading`, `label-email`…), as the page set it; `style`: the custom properties. */
export interface Theme {
  (option: string): string | null;
  style?: Record<string, string | null>;
}

export interface InquiryFormProps {
  ctx: FormContext;
  theme: Theme;
  /**
   * The listing the inquiry is about, already clipped (none: a general inquiry), read when the form
   * renders and when it sends: on a single-page site a mounted form outlives the listing it first
   * showed (history.pushState), and an inquiry goes with the listing shown when it is sent.
   */
  listing: () => string | undefined;
  /** Given: the form is a modal dialog with a close button (and Escape) that call it. */
  close?: () => void;
  /** What the form shows now (below). */
  view: View;
  /** Shows `view` instead: renders the form again (main.tsx keeps the view, no hooks: widget/README.md → Budgets). */
  show: (view: View) => void;
  /** The submission id, kept until the form is gone: a retry reuses it. */
  id: string;
}

/** The consent wording the box shows, sent with the inquiry as its consent record (docs/consent.md). */
const CONSENT = 'I agree that the agent may contact me about this inquiry.';
/** The version of the consent wording; change it whenever the wording changes. */
const CONSENT_VERSION = 'form-1';

/** The fields typed into (trimmed before sending): all but the consent box, the last. */
const TEXT_FIELDS = FIELD_ORDER.slice(0, 4) as Exclude<FieldName, 'consent'>[];

const SENDING = 1;
export const SENT = 2;

/**
 * What the form shows: `s` SENDING or SENT (none: being filled in), the field errors `e`, the
 * announced `a`lert and `f`, what to focus once it is rendered (a selector inside the form). One
 * object, replaced whole by each `show`.
 */
export interface View {
  s?: number;
  e?: FieldErrors;
  a?: string;
  f?: string;
}

export function InquiryForm({ ctx, theme, listing, close, view: { s: state, e: errors = {}, a: alert = '', f: focus }, show, id }: InquiryFormProps) {
  /** Shows `fieldErrors` by their fields and announces the first (else `message`); focuses the first bad field, else the button. */
  const fail = (fieldErrors: FieldErrors, message: string, first = FIELD_ORDER.find((f) => fieldErrors[f])) =>
    show({ e: fieldErrors, a: (first && fieldErrors[first]) || message, f: first ? `[name=${first}]` : 'button' });

  const submit = async (e: Event) => {
    e.preventDefault();
    if (state) return;
    const raw = Object.fromEntries(new FormData(e.currentTarget as HTMLFormElement)) as Record<string, string>;
    const values = { consent: !!raw.consent } as InquiryValues;
    for (const f of TEXT_FIELDS) values[f] = raw[f].trim();
    const invalid = validate(values);
    if (FIELD_ORDER.some((f) => invalid[f])) return fail(invalid, '');
    show({ s: SENDING });
    let res: Response | undefined;
    try {
      // The consent record (docs/consent.md): the wording the box shows and its version.
      const body = JSON.stringify({ site: ctx.site, id, visitor: ctx.visitor, ...values, consentText: CONSENT, consentVersion: CONSENT_VERSION, listing: listing(), url: clip(location.href, 2048), hp: raw.hp });
      // A stalled network (a connection accepted and never answered, a very slow one) gets 15 s,
      // then the form is ready for a retry, which reuses `id`: an answer that comes too late was
      // stored once, and the retry stores nothing twice. (AbortSignal.timeout: Chrome 103, Firefox
      // 100, Safari 16; older browsers wait as long as the browser does.)
      res = await fetch(`${ctx.origin}/v1/inquiries`, { method: 'POST', body, credentials: 'omit', signal: AbortSignal.timeout?.(15e3) });
    } catch {
      // offline, blocked, timed out: the generic message below
    }
    if (res?.ok) return show({ s: SENT });
    // Words for the visitor, never the API's message (written for the site's developer: "Unknown
    // site key; copy the snippet…", "Too many requests; retry in 569 s"). A 400's field errors
    // show under their fields (the first is announced instead of the message below).
    const fieldErrors: FieldErrors = {};
    try {
      // (every path: the form shows and focuses the errors of its own fields only)
      for (const d of (await res!.json()).error.details) fieldErrors[d.path as FieldName] = d.message;
    } catch {
      // no answer, no details, not the API's JSON (a proxy's error page): no field errors
    }
    fail(
      fieldErrors,
      !res
        ? // no answer: a network failure, one the browser hides (a proxy's 502 without CORS headers), the 15 s timeout
          "Couldn't send — check your connection and try again."
        : res.status === 429
          ? // this address's budget (20 inquiries in 10 minutes), not the site's
            "Couldn't send — too many messages from this connection. Please try again in a few minutes."
          : res.status < 500
            ? // a refusal the visitor cannot fix: the site key, the page's origin, a disabled site
              "Couldn't send this message. Please contact the agent another way."
            : // the server's trouble (a 503 while Postgres is unreachable, a 500)
              "Couldn't send — please try again in a moment.",
    );
  };

  /** A field's aria-invalid, and its aria-describedby: its error when it has one, else its hint. */
  const aria = (f: FieldName, hint?: string) => ({ 'aria-invalid': !!errors[f], 'aria-describedby': errors[f] ? `${f}-e` : hint });
  const error = (f: FieldName) =>
    errors[f] && (
      <p id={`${f}-e`} class="e">
        {errors[f]}
      </p>
    );
  /** A field's label: `data-label-<field>`, else ours. */
  const label = (f: FieldName | 'message', text: string) => <label for={f}>{theme(`label-${f}`) || text}</label>;
  const input = (f: 'name' | 'email' | 'phone', text: string, type: 'text' | 'email' | 'tel', autocomplete: string, max: number, hint?: string) => [
    label(f, text),
    <input id={f} name={f} type={type as 'text'} autocomplete={autocomplete} maxLength={max} {...aria(f, hint)} />,
    error(f),
  ];

  const content = (
    <div class="w" style={theme.style}>
      <h2 id="t">{theme('heading') || (listing() ? 'Ask about this home' : 'Contact the agent')}</h2>
      {state === SENT ? (
        <p class="ok" role="status" tabIndex={-1} ref={(el) => el?.focus()}>
          Thank you! The agent will reply soon.
        </p>
      ) : (
        // (a new ref function each render, so Preact calls it after every render, once the whole
        // tree is updated: the field to focus then has its aria-invalid and its error text)
        <form
          ref={(el) => {
            if (el && focus) el.querySelector<HTMLElement>(focus)?.focus();
          }}
          onSubmit={submit}
          noValidate
        >
          <p class="n" id="n">
            Leave an email or a phone number so the agent can reply.
          </p>
          {input('name', 'Name', 'text', 'name', CONTACT_NAME_MAX_CHARS)}
          {input('email', 'Email', 'email', 'email', EMAIL_MAX_CHARS, 'n')}
          {input('phone', 'Phone', 'tel', 'tel', PHONE_MAX_CHARS, 'n')}
          {label('message', 'Message')}
          <textarea id="message" name="message" required maxLength={INQUIRY_MESSAGE_MAX_CHARS} {...aria('message')} />
          {error('message')}
          <label class="c">
            <input type="checkbox" name="consent" required {...aria('consent')} />
            {CONSENT}
          </label>
          {error('consent')}
          {/* Honeypot: visually hidden (.h), hidden from assistive tech, out of the tab order; people leave it empty. */}
          <div class="h" aria-hidden="true">
            <label>
              Leave this empty
              <input name="hp" tabIndex={-1} autocomplete="off" />
            </label>
          </div>
          {/* Announced once; shown once: a field's error sits under its field, so here it is only heard. */}
          <p class={Object.values(errors).includes(alert) ? 'h' : 'a'} role="alert">
            {alert}
          </p>
          {/* aria-disabled, not disabled: a disabled button drops the focus to <body> mid-send; submit() ignores presses while sending */}
          <button type="submit" aria-disabled={state === SENDING}>{state === SENDING ? 'Sending…' : theme('button') || 'Send message'}</button>
        </form>
      )}
      {close && (
        // Closes the dialog itself, as Escape does (its onClose cleans up): the host alone leaving
        // the page left the <dialog> open, so the next open() skipped showModal() and showed it
        // as a plain box far down the page, without a focus trap.
        <button type="button" class="x" aria-label="Close" onClick={(e) => (e.currentTarget as any).closest('dialog').close()}>
          ×
        </button>
      )}
    </div>
  );
  if (!close) return content;
  // showModal() once it is in the page (refs run after the whole tree is): the top layer, above any
  // z-index, the page inert (Safari 15.4 and later). It focuses the first field (the close button
  // comes last in the DOM for that reason). A ref, not an effect: fewer bytes; `open` guards the
  // re-renders, which call it again.
  // Escape and the platform's back gesture close a modal dialog natively (then `close` cleans up);
  // aria-modal for assistive technology that does not read showModal()'s modality.
  return (
    <dialog
      style={theme.style}
      ref={(d) => {
        if (d && !d.open) {
          d.showModal();
          // A draft with errors, opened again: its first invalid field, not showModal()'s first field.
          if (focus) d.querySelector<HTMLElement>(focus)?.focus();
        }
      }}
      aria-modal="true"
      aria-labelledby="t"
      // (a close event that arrives after an open() has shown it again must not take it away)
      onClose={(e) => e.currentTarget.open || close()}
    >
      {content}
    </dialog>
  );
}
