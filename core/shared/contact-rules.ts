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
 * Phone numbers compare by digits: "+1 (555) 010-0199" and "+15550100199" are one person.
 * Keeps a leading + when given; null for letters, or fewer than 7 or more than 15 digits.
 */
export function normalisePhone(input: string | null | undefined): string | null {
  if (!input) return null;
  const trimmed = input.trim();
  if (!PHONE_CHARS.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < PHONE_MIN_DIGITS || digits.length > PHONE_MAX_DIGITS) return null;
  return (trimmed.startsWith('+') ? '+' : '') + digits;
}
