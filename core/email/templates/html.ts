// The one escaping helper of the email templates: a tagged template that escapes every
// interpolated value unless it is already SafeHtml (built by this same tag). Templates never
// concatenate strings into HTML, so lead-supplied text can only ever render as text.

const SAFE = Symbol('SafeHtml');

/** HTML produced by the `html` tag: its interpolations are already escaped. */
export interface SafeHtml {
  readonly [SAFE]: true;
  readonly value: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

function isSafeHtml(v: unknown): v is SafeHtml {
  return typeof v === 'object' && v !== null && SAFE in v;
}

function render(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (isSafeHtml(v)) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  // Escaping covers text and attribute values alike (attributes are always double-quoted).
  return String(v).replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

/**
 * `html\`<p>${name}</p>\`` → SafeHtml with `name` escaped. Arrays render each item; null,
 * undefined and false render nothing (for optional parts).
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return { [SAFE]: true, value: out };
}

/** Lines of user text as escaped HTML joined by <br> (so a message keeps its line breaks). */
export function htmlLines(text: string): SafeHtml {
  return html`${text.split('\n').map((line, i) => (i === 0 ? html`${line}` : html`<br>${line}`))}`;
}
