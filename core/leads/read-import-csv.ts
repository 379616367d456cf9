import { CsvError, parse } from 'csv-parse/sync';
import { AppError } from '../errors.ts';
import { IMPORT_MAX_ROWS } from './import-schemas.ts';

/** A data row of an imported file: its cells and the line of the file it starts on (header = 1). */
export interface ImportRecord {
  line: number;
  cells: string[];
}

export interface ImportCsv {
  headers: string[];
  /** Non-blank data rows, in file order. */
  records: ImportRecord[];
}

/** The separators a file may use: commas; semicolons (Excel's CSV where a comma is the decimal mark); tabs (a sheet pasted or saved as text). */
const DELIMITERS = [',', ';', '\t'] as const;

/**
 * The file's separator: the one its header row (the first line with anything but separators and
 * spaces on it) holds most often outside quotes; a comma on a tie or when none is there (one column).
 */
export function detectDelimiter(text: string): (typeof DELIMITERS)[number] {
  const header = text.split('\n').find((l) => /[^,;\t\s]/.test(l)) ?? '';
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: (typeof DELIMITERS)[number] = ',';
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}

/**
 * Parses an imported CSV (RFC 4180, with the separator of detectDelimiter): a UTF-8 BOM is dropped; CRLF, LF and CR line
 * ends are one line end (also inside quoted cells, where they become `\n`); a quoted cell may span
 * lines; a stray quote inside an unquoted cell is kept as text (spreadsheets write `5" tile`);
 * rows may be shorter or longer than the header. Blank rows (nothing but commas and spaces) are
 * skipped. 400 `validation_failed` for text that is not CSV (an unclosed quote: details give the
 * line), a file without a header row, or more than IMPORT_MAX_ROWS data rows.
 */
export function readImportCsv(csv: string): ImportCsv {
  // Line ends normalised first: csv-parse guesses one record delimiter per file, and a file saved
  // by hand often mixes them. Each record's raw text then ends with exactly one `\n`.
  const text = csv.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let parsed: Array<{ record: string[]; raw: string }>;
  try {
    parsed = parse(text, { delimiter: detectDelimiter(text), record_delimiter: '\n', relax_column_count: true, relax_quotes: true, skip_empty_lines: false, raw: true }) as unknown as Array<{ record: string[]; raw: string }>;
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const line = (err as CsvError & { lines?: number }).lines;
    throw new AppError('validation_failed', 'The file is not valid CSV', [{ path: 'csv', message: err.message.replace(/^[A-Za-z ]+: /, ''), ...(line ? { line } : {}) }]);
  }
  const blank = (cells: readonly string[]) => cells.every((c) => c.trim() === '');
  let line = 1;
  let headers: string[] | null = null;
  const records: ImportRecord[] = [];
  for (const { record, raw } of parsed) {
    const start = line;
    line += (raw.match(/\n/g) ?? []).length;
    if (blank(record)) continue;
    if (!headers) {
      headers = record.map((h) => h.trim());
      continue;
    }
    records.push({ line: start, cells: record });
    if (records.length > IMPORT_MAX_ROWS) {
      throw new AppError('validation_failed', `At most ${IMPORT_MAX_ROWS} rows per file`, [{ path: 'csv', message: `The file has more than ${IMPORT_MAX_ROWS} rows: split it into several imports`, line: start }]);
    }
  }
  if (!headers) throw new AppError('validation_failed', 'The file is empty', [{ path: 'csv', message: 'The file has no header row' }]);
  return { headers, records };
}
