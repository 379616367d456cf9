// The CSV contact import's rules the admin's import page applies too (docs/import.md): the
// largest file it sends and the fields a column can fill. core/leads/import-schemas.ts builds
// the API's schemas on these.

/** Longest CSV text one `POST /v1/leads/import` may carry (the page refuses a bigger file before sending it). */
export const IMPORT_MAX_CSV_CHARS = 2_000_000;

/** What a column of the file can fill, in the order the page's mapping selects offer them. */
export const IMPORT_FIELDS = ['name', 'firstName', 'lastName', 'email', 'phone', 'contactInfo', 'status', 'stage', 'createdAt', 'lastContactedAt'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

/**
 * Fields several columns may fill: a row takes the first of them whose cell holds a valid value
 * (core/leads/import-columns.ts, `columnsByField`, gives the order). A lead has one email and one
 * phone; contact exports often spread them over columns (mobile, home, work), filled differently
 * from row to row. Any other field comes from one column.
 */
export const MULTI_COLUMN_FIELDS: readonly ImportField[] = ['email', 'phone'];
