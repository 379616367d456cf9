// The form's stylesheet, inside its shadow root: page CSS cannot reach in and ours cannot leak out.
//
// The host element is the one thing the page can still style. Declarations on `:host` lose to
// the page's normal rules but win over its `!important` ones (the cascade lets the inner context
// win important conflicts), so `all: initial !important` undoes resets like
// `* { all: unset !important }`, `div { display: none !important }` and inherited fonts and
// colours; everything else is set on the wrapper `.w`, inside. Sizes are in px, never rem:
// `html { font-size: 5px !important }` would reach rem through the shadow boundary.
export const CSS =
  ':host{all:initial!important;display:block!important}' +
  '*{box-sizing:border-box;font:inherit;color:inherit;margin:0}' +
  // Themeable through custom properties (they cross the shadow boundary and `all: initial`):
  // --porchlight-accent, --porchlight-font, --porchlight-radius (widget/README.md → Theming).
  // 16px text: iOS zooms into inputs whose text is smaller.
  '.w{position:relative;max-width:480px;margin:0 auto;padding:20px;border:1px solid #ccd;border-radius:var(--porchlight-radius,12px);background:#fff;color:#1d2433;font:16px/1.45 var(--porchlight-font,system-ui,sans-serif)}' +
  'h2{font-size:20px;font-weight:700}' +
  'label{display:block;margin:14px 0 4px;font-weight:600}' +
  'input,textarea{display:block;width:100%;padding:9px 11px;border:1px solid #889;border-radius:var(--porchlight-radius,8px);background:#fff}' +
  'textarea{height:110px;resize:vertical}' +
  '[aria-invalid=true]{border:2px solid #b42318}' +
  '.n,.e,.a{margin-top:4px;font-size:14px}' +
  '.e,.a{color:#b42318;font-weight:600}' +
  '.c{display:flex;gap:10px;font-weight:400}' +
  // Targets of at least 24px (WCAG 2.5.8).
  '.c input{flex:none;width:24px;height:24px}' +
  'button{margin-top:16px;padding:11px 20px;border:0;border-radius:var(--porchlight-radius,8px);background:var(--porchlight-accent,#1f5f4a);color:#fff;font-weight:600}' +
  '[aria-disabled=true]{opacity:.6}' +
  '.x{position:absolute;top:8px;right:8px;margin:0;padding:2px 10px;background:none;color:inherit;font-size:24px}' +
  '.ok{margin-top:12px;padding:12px;border-radius:8px;background:#e7f4ec}' +
  // Visually hidden (the honeypot; the alert while its error shows under a field), still read by
  // assistive technology: a clipped 1×1 px box where it stands. Not `left:-9999px`: on a
  // right-to-left page that widened the page by 10,000 px (scrolling showed the trap), and a 1 px
  // wide box of full height made the dialog taller than its content, so it always scrolled.
  '.h{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}' +
  // The modal: showModal() puts it in the browser's top layer, above any z-index, centred by the
  // browser's own dialog styles (Safari 15.4 and later; the fixed-box fallback for older Safari went
  // to make room for theming). Those styles centre it with `margin: auto`, which the `*` rule's
  // `margin:0` undid (the dialog sat in the window's top-left corner): the dialog sets it back.
  'dialog{margin:auto;width:calc(100% - 24px);max-width:480px;padding:0;border:0;border-radius:var(--porchlight-radius,12px)}' +
  'dialog::backdrop{background:#0009}' +
  'dialog .w{border:0}';
