import { AppError } from '../errors.ts';
import { IMPORT_FIELDS, IMPORT_IDENTITY_FIELDS, type ImportField, MULTI_COLUMN_FIELDS } from './import-schemas.ts';

// Which column of an imported CSV fills which lead field (docs/import.md, "Columns recognised").
// Headers are compared case-insensitively with spaces, underscores and dashes removed, so
// "E-mail", "email_address" and "Email Address" are one header. Porchlight's own export
// (EXPORT_COLUMNS) maps name, email, phone, contactInfo, status, createdAt and stage; its other
// columns (leadId, score, …) match nothing and are ignored.

/**
 * The headers each field is recognised by, most wanted first. For a single-column field, when
 * several columns match, the column of the earliest alias wins (ties: the leftmost). Email and
 * phone take every matching column (MULTI_COLUMN_FIELDS), tried in this order: so a row of an
 * Outlook file takes its "Mobile Phone", and its "Home Phone" when the mobile cell is empty.
 */
const HEADER_ALIASES: Record<ImportField, readonly string[]> = {
  name: ['name', 'full name', 'fullname', 'contact', 'contact name', 'client name', 'lead name', 'display name'],
  firstName: ['first name', 'firstname', 'given name', 'first'],
  lastName: ['last name', 'lastname', 'surname', 'family name', 'last'],
  email: [
    'email', 'e-mail', 'email address', 'e-mail address', 'primary email', 'email 1', 'e-mail 1 - value', 'email 1 - value', 'mail', 'personal email', 'home email', 'work email',
    'email 2', 'e-mail 2 address', 'e-mail 2 - value', 'email 2 - value', 'e-mail 3 address', 'other email',
  ],
  // A mobile first: a realtor texts.
  phone: [
    'mobile', 'mobile phone', 'cell', 'cell phone', 'mobile number', 'phone', 'phone number', 'telephone', 'primary phone', 'phone 1', 'phone 1 - value', 'tel',
    'home phone', 'business phone', 'work phone', 'phone 2', 'phone 2 - value', 'other phone', 'home phone 2', 'business phone 2',
  ],
  contactInfo: ['notes', 'note', 'contact info', 'contactinfo', 'other contact', 'comments', 'comment', 'description'],
  status: ['status', 'lead status'],
  stage: ['stage', 'pipeline stage', 'deal stage'],
  createdAt: ['created', 'createdat', 'created at', 'date added', 'added', 'created date', 'date created'],
  lastContactedAt: ['last contacted', 'last contacted at', 'last contact', 'last contact date', 'last contacted date', 'date last contacted'],
};

/** "E-mail Address" → "emailaddress". */
export function normaliseHeader(header: string): string {
  return header.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

/** Normalised header → its field and the alias's rank (0: most wanted). */
const FIELD_BY_HEADER = new Map<string, { field: ImportField; rank: number }>(
  IMPORT_FIELDS.flatMap((field) => HEADER_ALIASES[field].map((alias, rank) => [normaliseHeader(alias), { field, rank }] as const)),
);

/** A header's place in `field`'s alias list (0: most wanted), or Infinity when it is not one of them. */
function aliasRank(header: string, field: ImportField): number {
  const m = FIELD_BY_HEADER.get(normaliseHeader(header));
  return m && m.field === field ? m.rank : Number.POSITIVE_INFINITY;
}

/**
 * The field each header maps to. Email and phone take every column whose header is one of their
 * aliases; any other field goes to one column, the one of its most wanted alias (leftmost on a
 * tie), and the others stay unmapped.
 */
export function detectColumns(headers: readonly string[]): Array<ImportField | null> {
  const matches = headers.map((header) => FIELD_BY_HEADER.get(normaliseHeader(header)) ?? null);
  const best = new Map<ImportField, number>();
  for (const [i, m] of matches.entries()) {
    if (!m || MULTI_COLUMN_FIELDS.includes(m.field)) continue;
    const held = best.get(m.field);
    if (held === undefined || m.rank < (matches[held]?.rank ?? Number.POSITIVE_INFINITY)) best.set(m.field, i);
  }
  return matches.map((m, i) => (m && (MULTI_COLUMN_FIELDS.includes(m.field) || best.get(m.field) === i) ? m.field : null));
}

/**
 * The columns each mapped field reads, in the order a row tries them: by the rank of the column's
 * header among the field's aliases (a mobile before a home phone), columns with other headers
 * after those, left to right. A single-column field has one.
 */
export function columnsByField(headers: readonly string[], fields: ReadonlyArray<ImportField | null>): Map<ImportField, number[]> {
  const byField = new Map<ImportField, number[]>();
  for (const [i, f] of fields.entries()) if (f) byField.set(f, [...(byField.get(f) ?? []), i]);
  for (const [field, columns] of byField) columns.sort((a, b) => aliasRank(headers[a], field) - aliasRank(headers[b], field) || a - b);
  return byField;
}

/**
 * The mapping an import uses: `override` (one entry per header column) when given, else the
 * detected one. 400 `validation_failed` when the override has the wrong length or maps a field
 * other than email or phone twice, or when no column can name a person (name, first or last name, email, phone).
 */
export function resolveColumns(headers: readonly string[], override: ReadonlyArray<ImportField | null> | undefined): Array<ImportField | null> {
  let fields: Array<ImportField | null>;
  if (override) {
    if (override.length !== headers.length) {
      throw new AppError('validation_failed', 'The request is not valid', [
        { path: 'columns', message: `Give one entry per column of the header row (${headers.length}), not ${override.length}` },
      ]);
    }
    const seen = new Set<ImportField>();
    for (const [i, field] of override.entries()) {
      if (!field) continue;
      if (seen.has(field) && !MULTI_COLUMN_FIELDS.includes(field)) throw new AppError('validation_failed', 'The request is not valid', [{ path: `columns.${i}`, message: `${field} is mapped by more than one column` }]);
      seen.add(field);
    }
    fields = [...override];
  } else {
    fields = detectColumns(headers);
  }
  if (!fields.some((f) => f && IMPORT_IDENTITY_FIELDS.includes(f))) {
    throw new AppError('validation_failed', 'No column holds a name, an email address or a phone number', [
      { path: override ? 'columns' : 'csv', message: 'Map a column to name, firstName, lastName, email or phone (the header row names none of them)' },
    ]);
  }
  return fields;
}
