// `leads.contact_info` (the seed's free-text column) is generated as "email · phone" for leads
// that came through the form or the API, so showing it beside the email and phone says the same
// thing twice. `extraContactInfo` keeps it only when it adds something: the lead page, the edit
// form and the CSV export all ask it.

/** Separators people and `formatContactInfo` put between contacts. */
const SEPARATORS = /\s*(?:·|,|;|\||\/|\n|\r|\t|\bor\b|\band\b)\s*/i;
/** Labels that carry nothing by themselves ("Email: a@b.c", "tel. 555…"). */
const LABEL = /^(?:e-?mail|mail|phone|tel\.?|telephone|mobile|cell)\s*:?\s*/i;

function digitsOf(s: string): string {
  return s.replace(/\D/g, '');
}

/** Whether a phone as written (`(555) 010-0142`, `+1 555…`) is `phone` (digits, maybe without the country code). */
function samePhone(token: string, phone: string | null | undefined): boolean {
  const a = digitsOf(token);
  const b = digitsOf(phone ?? '');
  if (a.length < 7 || b.length < 7) return false;
  // Only punctuation, spaces and a leading + besides the digits: a phone number, not a sentence.
  if (/[^\d\s().+-]/.test(token)) return false;
  return a === b || b.endsWith(a) || a.endsWith(b);
}

/**
 * `contactInfo` when it says more than `email` and `phone`, else null: each part (split on
 * `·`, commas, slashes, new lines…) that is the email (any case) or the phone (same digits, with
 * or without the country code) is left out, and if nothing is left the text adds nothing.
 */
export function extraContactInfo(contactInfo: string | null | undefined, email: string | null | undefined, phone: string | null | undefined): string | null {
  const text = contactInfo?.trim();
  if (!text) return null;
  const rest = text
    .split(SEPARATORS)
    .map((part) => part.replace(LABEL, '').trim())
    .filter((part) => part !== '' && !(email && part.toLowerCase() === email.toLowerCase()) && !samePhone(part, phone));
  return rest.length ? text : null;
}
