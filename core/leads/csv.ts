/**
 * CSV cells per RFC 4180, safe to open in a spreadsheet. Lead data comes from strangers, and a
 * cell starting with `=`, `+`, `-`, `@`, tab or carriage return is run as a formula by Excel,
 * LibreOffice and Google Sheets (CSV injection): such cells get a leading `'`, which spreadsheets
 * show as text. So a phone `+15550100199` exports as `'+15550100199`. The same holds after leading
 * spaces (some importers trim them) and for the full-width `＝ ＋ － ＠` (which East Asian input
 * methods type and some spreadsheets read as the ASCII ones).
 */
export const FORMULA_START = /^[\t\r]|^\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV record with its CRLF terminator. */
export function csvRow(values: ReadonlyArray<string | number | null | undefined>): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
