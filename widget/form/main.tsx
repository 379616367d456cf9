// Porchlight inquiry form (w-form.js): an ES module the tracker imports lazily from next to w.js
// and calls as FormModule (widget/contract.ts). Each form renders into its own open shadow root
// with its stylesheet, so host CSS cannot break it and ours cannot leak. Nothing here may throw
// into the host page. Behaviour and wire format: widget/README.md.
/** @jsxRuntime classic */
/** @jsx h */
// biome-ignore lint/correctness/noUnusedImports: the classic JSX runtime (pragma above) calls h
import { h, render } from 'preact';
import { LISTING_REF_MAX_CHARS } from '#core/shared/field-limits.ts';
import type { FormContext, FormModule } from '../contract.ts';
import { clip, uuid } from '../shared/text.ts';
import { InquiryForm, type InquiryFormProps, SENT, type Theme, type View } from './inquiry-form.tsx';
import { CSS } from './styles.ts';

/** A listing reference as the API takes it (≤ LISTING_REF_MAX_CHARS), from a string or a number; else none. */
const listingRef = (v: unknown): string | undefined => ((typeof v === 'string' || typeof v === 'number') && clip(v, LISTING_REF_MAX_CHARS)) || undefined;

const LISTING_ATTR = 'data-porchlight-listing';

/**
 * The listing around `el` (the form's element, the dialog's opener): the closest
 * `data-porchlight-listing`, its own or an ancestor's (the card of a results page), else the page's first.
 */
const listingAround = (el?: Element | null) => listingRef((el?.closest(`[${LISTING_ATTR}]`) || document.querySelector(`[${LISTING_ATTR}]`))?.getAttribute(LISTING_ATTR));

/**
 * The theme of a form: its `data-*` options (widget/README.md → Theming) on the form's element (a
 * dialog: on the element that opened it). `data-font="inherit"` takes the page's font around it.
 */
const themeOf = (el: Element): Theme => {
  const t: Theme = (k) => el.getAttribute(`data-${k}`);
  const font = t('font');
  t.style = {
    '--porchlight-accent': t('accent'),
    '--porchlight-font': font === 'inherit' ? getComputedStyle(el.parentElement || el).fontFamily : font,
    '--porchlight-radius': t('radius'),
  };
  return t;
};

/** What mount and open give a form; `renderForm` adds its state. */
type FormProps = Omit<InquiryFormProps, 'view' | 'show' | 'id'>;

/** The stylesheet as a constructed sheet: made once, adopted by every form's shadow root (inline forms, the dialog). */
let sheet: CSSStyleSheet | undefined;

/**
 * Renders the form with `props` and the stylesheet into a new open shadow root of `host`. The root
 * adopts the constructed sheet: a page's Content-Security-Policy blocks an inline `<style>` (in a
 * shadow root too) unless its style-src has 'unsafe-inline', but does not govern constructed
 * sheets. Browsers without adoptedStyleSheets (before Chrome 73, Firefox 101, Safari 16.4) get the
 * `<style>`. The form's state lives here, not in hooks (fewer bytes: widget/README.md → Budgets):
 * `show(view)` renders it again with the new view; Preact updates the DOM in place, so what the
 * visitor typed stays.
 */
const renderForm = (
  host: Element,
  props: FormProps,
  root = host.attachShadow({ mode: 'open' }),
  id = uuid(),
  view: View = {},
  show = (v: View) => {
    view = v;
    render([!sheet && <style>{CSS}</style>, <InquiryForm {...props} view={v} show={show} id={id} />], root);
  },
) => {
  if (root.adoptedStyleSheets) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
  }
  show(view);
  /**
   * Renders the form again with `p` (the dialog opened again): as it was, or a new one once its
   * inquiry was sent. Asked about another listing, the draft stays but it is a new inquiry (a new
   * id): one whose send reached the API without its answer reaching the page was stored under
   * the first listing, and the same id again would be taken as its retry and dropped.
   */
  return (p: FormProps) => {
    if (view.s === SENT || p.listing() !== props.listing()) id = uuid();
    if (view.s === SENT) view = {};
    props = p;
    show(view);
  };
};

// (The tracker calls mount and open through its safe(): what they throw never reaches the host page.)
export const mount: FormModule['mount'] = (ctx) => {
  for (const el of document.querySelectorAll('[data-porchlight-form]')) {
    try {
      // An element that has a shadow root already has our form (or someone else's content).
      if (!el.shadowRoot) renderForm(el, { ctx, theme: themeOf(el), listing: () => listingRef(el.getAttribute('data-listing')) || listingAround(el) });
    } catch {
      // one element that cannot host a shadow root (an <input>, a closed root) must not stop the others
    }
  }
};

/**
 * The dialog's host element: in the page while the dialog is open (one at a time); after Escape or
 * the close button, kept out of the page with what the visitor typed, for the next open().
 */
let dialogHost: HTMLElement | undefined;
/** Renders the kept dialog again with the next open()'s options. */
let reopen: ((props: FormProps) => void) | undefined;

export const open: FormModule['open'] = (ctx: FormContext) => {
  try {
    // Open already. (A dialog just closed keeps its host in the page until its close event: an
    // open() in between opens it again, and that late event leaves it be, see InquiryForm.)
    if (dialogHost?.shadowRoot?.querySelector('dialog')?.open) return;
    // The opener, whose data-* options theme the dialog and which gets the focus back: the target of
    // the event that called porchlight('open') (a click, a key press) — its closest focusable
    // ancestor, as a click focuses it in Chromium (the target can be a <span> in the button), else
    // itself. Not document.activeElement: clicking a button does not focus it in Safari (macOS,
    // iOS) and Firefox on macOS, where that is <body>. It is only the fallback, for an open()
    // called outside an event (a timer, the stub's queue) or by one whose target is no element.
    const target = ctx.event?.target as any;
    const opener: HTMLElement | null = target?.closest ? target.closest('a,button,[tabindex]') || target : document.activeElement;
    const host = dialogHost || document.createElement('div');
    document.body.append(host);
    const props: FormProps = {
      ctx,
      theme: themeOf(opener || host),
      listing: () => listingRef(ctx.listing) || listingAround(opener),
      close: () => {
        try {
          // (no render(null): nothing of the form outlives its DOM — no timers, no listeners outside
          // it — so the detached host keeps it as it is; a send still under way renders detached)
          host.remove();
          opener?.focus();
        } catch {
          // never break the host page
        }
      },
    };
    // The same dialog again (what was typed, the submission id), with this opener, listing and theme.
    if (dialogHost) reopen!(props);
    else {
      dialogHost = host;
      reopen = renderForm(host, props);
    }
  } catch {
    dialogHost = undefined;
  }
};
