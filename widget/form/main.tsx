// Porchlight inquiry form (w-form.js): an ES module the tracker imports lazily from next to w.js
// and calls as FormModule (widget/contract.ts). Each form renders into its own open shadow root
// with its stylesheet, so host CSS cannot break it and ours cannot leak. Nothing here may throw
// into the host page. Behaviour and wire format: widget/README.md.
/** @jsxRuntime classic */
/** @jsx h */
// biome-ignore lint/correctness/noUnusedImports: the classic JSX runtime (pragma above) calls h
import { type ComponentChild, h, render } from 'preact';
import { LISTING_REF_MAX_CHARS } from '#core/shared/field-limits.ts';
import type { FormContext, FormModule } from '../contract.ts';
import { clip } from '../shared/text.ts';
import { InquiryForm, type Theme } from './inquiry-form.tsx';
import { CSS } from './styles.ts';

/** A listing reference as the API takes it (≤ LISTING_REF_MAX_CHARS), from a string or a number; else none. */
const listingRef = (v: unknown): string | undefined => ((typeof v === 'string' || typeof v === 'number') && clip(v, LISTING_REF_MAX_CHARS)) || undefined;

/** The page's listing: the first `data-porchlight-listing`. */
const pageListing = () => listingRef(document.querySelector('[data-porchlight-listing]')?.getAttribute('data-porchlight-listing'));

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

/** The stylesheet as a constructed sheet: made once, adopted by every form's shadow root (inline forms, the dialog). */
let sheet: CSSStyleSheet | undefined;

/**
 * Renders `node` with the stylesheet into a new open shadow root of `host`. The root adopts the
 * constructed sheet: a page's Content-Security-Policy blocks an inline `<style>` (in a shadow root
 * too) unless its style-src has 'unsafe-inline', but does not govern constructed sheets. Browsers
 * without adoptedStyleSheets (before Chrome 73, Firefox 101, Safari 16.4) get the `<style>`.
 */
const renderInShadow = (host: Element, node: ComponentChild, root = host.attachShadow({ mode: 'open' })) => {
  if (root.adoptedStyleSheets) {
    if (!sheet) {
      sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
    }
    root.adoptedStyleSheets = [sheet];
  } else node = [<style>{CSS}</style>, node];
  render(node, root);
};

// (The tracker calls mount and open through its safe(): what they throw never reaches the host page.)
export const mount: FormModule['mount'] = (ctx) => {
  for (const el of document.querySelectorAll('[data-porchlight-form]')) {
    try {
      // An element that has a shadow root already has our form (or someone else's content).
      if (!el.shadowRoot) renderInShadow(el, <InquiryForm ctx={ctx} theme={themeOf(el)} listing={() => listingRef(el.getAttribute('data-listing')) || pageListing()} />);
    } catch {
      // one element that cannot host a shadow root (an <input>, a closed root) must not stop the others
    }
  }
};

/** The open dialog's host element: one dialog at a time. */
let openHost: HTMLElement | undefined;

export const open: FormModule['open'] = (ctx: FormContext) => {
  try {
    if (openHost) return;
    // The opener, whose data-* options theme the dialog and which gets the focus back: the target of
    // the event that called porchlight('open') (a click, a key press) — its closest focusable
    // ancestor, as a click focuses it in Chromium (the target can be a <span> in the button), else
    // itself. Not document.activeElement: clicking a button does not focus it in Safari (macOS,
    // iOS) and Firefox on macOS, where that is <body>. It is only the fallback, for an open()
    // called outside an event (a timer, the stub's queue) or by one whose target is no element.
    const target = ctx.event?.target as any;
    const opener: HTMLElement | null = target?.closest ? target.closest('a,button,[tabindex]') || target : document.activeElement;
    const host = document.createElement('div');
    openHost = host;
    document.body.append(host);
    const close = () => {
      try {
        // (no render(null): nothing of the form outlives its DOM — no timers, no listeners outside
        // it — so removing the host drops it whole; a send still under way just renders detached)
        host.remove();
        openHost = undefined;
        opener?.focus();
      } catch {
        // never break the host page
      }
    };
    renderInShadow(host, <InquiryForm ctx={ctx} theme={themeOf(opener || host)} listing={() => listingRef(ctx.listing) || pageListing()} close={close} />);
  } catch {
    openHost = undefined;
  }
};
