// Length limits of the text fields forms send. The API's zod schemas build on these and the
// admin and widget put them on their inputs (`maxLength`), so a field never accepts more than
// the server stores. Counts are UTF-16 units, as both `String.length` and zod measure them.

/** A login email (RFC 5321's path limit). */
export const EMAIL_MAX_CHARS = 254;
/** A phone number as typed, punctuation included. */
export const PHONE_MAX_CHARS = 40;
/** A lead's display name (`leads.name`). */
export const CONTACT_NAME_MAX_CHARS = 255;
/** Free-form "other contact info" (`leads.contact_info`). */
export const CONTACT_INFO_MAX_CHARS = 255;
/** An inquiry's message. */
export const INQUIRY_MESSAGE_MAX_CHARS = 5000;
/** A listing reference (an MLS number, a slug…). */
export const LISTING_REF_MAX_CHARS = 200;
/** A listing's title (`listings.title`; the tracker sends `data-listing-title` or the page title). */
export const LISTING_TITLE_MAX_CHARS = 200;
/** A realtor's display name. */
export const USERNAME_MAX_CHARS = 50;
export const PASSWORD_MIN_CHARS = 10;
/** Long enough for any passphrase, short enough that hashing it is cheap. */
export const PASSWORD_MAX_CHARS = 256;
/** A site's name (for the realtor only). */
export const SITE_NAME_MAX_CHARS = 100;
/** One allowed origin as typed, before normalisation. */
export const ORIGIN_MAX_CHARS = 300;
