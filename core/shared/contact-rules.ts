// How Porchlight recognises an email address and a phone number, on the server (zod schemas,
// lead matching) and in the browser (instant form feedback) alike.

/**
 * THE email pattern: the one zod 4 uses for `z.email()` (a practical subset of RFC 5322: no
 * quoted local parts, no IP literals, a dot-separated domain with a 2+ letter TLD). The server's
 * schemas pass it to `z.email({ pattern })`, so a browser that accepts an address knows the API will.
 */
// biome-ignore lint/complexity/noUselessEscapeInRegex: kept byte for byte as zod writes it (contact-rules.test.ts compares)
export const EMAIL_PATTERN = /^(?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/;

/** `value` (already trimmed) is an email address the API accepts. */
export function isEmail(value: string): boolean {
  return EMAIL_PATTERN.test(value);
}

/** Fewest and most digits of a phone number (E.164 allows 15). */
export const PHONE_MIN_DIGITS = 7;
export const PHONE_MAX_DIGITS = 15;
/** What a typed phone number may contain besides digits. */
const PHONE_CHARS = /^[+\d\s().\-/]{1,40}$/;

/**
 * The browser's quick check of a typed phone number (the widget and admin forms): only digits
 * and `+ ( ) . - /` and spaces, 7 to 15 digits. The server then parses it for real
 * (core/leads/normalise-contact.ts, libphonenumber-js) and stores it in E.164.
 */
export function looksLikePhone(input: string): boolean {
  if (!PHONE_CHARS.test(input)) return false;
  const digits = input.replace(/\D/g, '').length;
  return digits >= PHONE_MIN_DIGITS && digits <= PHONE_MAX_DIGITS;
}

/**
 * Digits with an optional leading + of what `looksLikePhone` accepts, else null: the rule the
 * widget's form inlines (widget/form/validate.ts), kept here so a test holds them equal.
 */
export function normalisePhone(input: string | null | undefined): string | null {
  if (!input) return null;
  const trimmed = input.trim();
  if (!looksLikePhone(trimmed)) return null;
  return (trimmed.startsWith('+') ? '+' : '') + trimmed.replace(/\D/g, '');
}
