import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { looksLikePhone } from '../shared/contact-rules.ts';

/** Lower-cased, trimmed email, or null when empty. Validation happens in the zod schemas. */
export function normaliseEmail(input: string | null | undefined): string | null {
  const s = input?.trim().toLowerCase();
  return s ? s : null;
}

/** The country assumed for numbers typed without a `+` and country code (config DEFAULT_PHONE_COUNTRY). */
export const FALLBACK_PHONE_COUNTRY: CountryCode = 'US';

// The deployment's default country, set once at start by createRuntime from DEFAULT_PHONE_COUNTRY.
// A process-wide setting rather than an argument because the zod schemas that parse phones
// (forms, inquiries, identify events, manual leads) are module constants shared by every route:
// threading it through each of them would split validation from parsing. It never varies per
// request, and a process that never sets it (a script, a unit test) gets the documented default.
let defaultPhoneCountry: CountryCode = FALLBACK_PHONE_COUNTRY;

/** Sets the country of national numbers (`createRuntime` calls it with config.DEFAULT_PHONE_COUNTRY). */
export function setDefaultPhoneCountry(country: string): void {
  if (!isSupportedCountry(country)) throw new Error(`Unsupported phone country: ${country}`);
  defaultPhoneCountry = country;
}

export function getDefaultPhoneCountry(): CountryCode {
  return defaultPhoneCountry;
}

/**
 * A phone number in E.164 (`+15550100199`), parsed with libphonenumber-js (min metadata): a number
 * without `+` is read as a national number of `country`. Null when it is not a phone number:
 * letters or symbols beyond `+ ( ) . - /` and spaces, an unknown country code, or a length that
 * no number of that country has.
 *
 * Accepts "possible" numbers (right length for the country), not only "valid" ones (inside a range
 * the metadata knows as allocated): metadata pinned at one release ages as new ranges open, and
 * refusing a real buyer's number costs far more than storing an unallocated one. Demo and test
 * numbers (555-01xx) stay accepted too.
 */
export function normalisePhone(input: string | null | undefined, country: CountryCode = defaultPhoneCountry): string | null {
  if (!input) return null;
  const trimmed = input.trim();
  if (!looksLikePhone(trimmed)) return null;
  const parsed = parsePhoneNumberFromString(trimmed, { defaultCountry: country });
  if (!parsed?.isPossible()) return null;
  return parsed.number;
}
