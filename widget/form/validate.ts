// Client-side checks of the inquiry form, with the API's own rules (core/shared, which
// core/inquiries/inquiry-schemas.ts uses too) so that people see a mistake at once; the API stays
// the judge and its field errors are shown too.
import { isEmail } from '#core/shared/contact-rules.ts';

/** What the person typed, trimmed; `consent`: the box is ticked. */
export interface InquiryValues {
  name: string;
  email: string;
  phone: string;
  message: string;
  consent: boolean;
}

/** The fields that can carry an error, in the form's (focus) order. */
export const FIELD_ORDER = ['name', 'email', 'phone', 'message', 'consent'] as const;
export type FieldName = (typeof FIELD_ORDER)[number];
export type FieldErrors = Partial<Record<FieldName, string>>;

/** The error of each field that is not right (none: an empty object). */
export const validate = (v: InquiryValues): FieldErrors => {
  const errors: FieldErrors = {};
  const digits = v.phone.replace(/\D/g, '').length;
  if (v.email && !isEmail(v.email)) errors.email = 'Enter a valid email address';
  if (!(v.email || v.phone)) errors.email = 'Enter an email or a phone number';
  // The digit count of normalisePhone (core/shared/contact-rules.ts), inlined (cheaper than
  // importing it). Its character check was dropped to make room for theming in the 8 KB budget:
  // the API still refuses letters, and its field error shows under the phone field.
  if (v.phone && (digits < 7 || digits > 15)) errors.phone = 'Enter a phone number of 7 to 15 digits';
  if (!v.message) errors.message = 'Write a message';
  if (!v.consent) errors.consent = 'Check the box so the agent may contact you';
  return errors;
};
