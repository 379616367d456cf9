// The import's pure parts, table-driven: header detection, the createdAt cell, and the CSV reader
// (line numbers, BOM, line ends, quoting, blank rows, limits).
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { EXPORT_COLUMNS } from './export-leads-csv.ts';
import { columnsByField, detectColumns, normaliseHeader, resolveColumns } from './import-columns.ts';
import { parseImportDate } from './import-date.ts';
import { withOtherContacts } from './import-leads.ts';
import { IMPORT_MAX_ROWS } from './import-schemas.ts';
import { detectDelimiter, readImportCsv } from './read-import-csv.ts';

const NOW = new Date('2026-12-03T12:00:00Z');

describe('import header detection', () => {
  it.each([
    ['Name', 'name'], ['Full Name', 'name'], ['contact_name', 'name'], ['Client Name', 'name'], ['CONTACT', 'name'],
    ['First Name', 'firstName'], ['firstname', 'firstName'], ['Given-Name', 'firstName'],
    ['Last Name', 'lastName'], ['Surname', 'lastName'], ['family_name', 'lastName'],
    ['Email', 'email'], ['E-mail', 'email'], ['Email Address', 'email'], ['Primary Email', 'email'],
    ['Phone', 'phone'], ['Phone Number', 'phone'], ['Mobile', 'phone'], ['cell', 'phone'], ['Mobile Phone', 'phone'], ['Telephone', 'phone'], ['Primary Phone', 'phone'], ['Home Phone', 'phone'], ['Other Phone', 'phone'],
    ['E-mail 2 Address', 'email'], ['E-mail 2 - Value', 'email'],
    ['Notes', 'contactInfo'], ['note', 'contactInfo'], ['Contact Info', 'contactInfo'], ['contactInfo', 'contactInfo'], ['Other contact', 'contactInfo'], ['Comments', 'contactInfo'],
    ['Status', 'status'], ['Lead Status', 'status'], ['Stage', 'stage'], ['Pipeline Stage', 'stage'], ['Deal stage', 'stage'],
    ['Created', 'createdAt'], ['createdAt', 'createdAt'], ['Created At', 'createdAt'], ['Date Added', 'createdAt'], ['added', 'createdAt'],
    ['Favourite colour', null], ['leadId', null], ['score', null], ['updatedAt', null], ['nextFollowUpAt', null], ['', null],
    ['Last Contacted', 'lastContactedAt'], ['lastContactedAt', 'lastContactedAt'], ['Last contact date', 'lastContactedAt'],
  ])('"%s" → %s', (header, field) => {
    expect(detectColumns([header])).toEqual([field]);
  });

  it('ignores case, spaces, underscores and dashes', () => {
    expect(normaliseHeader('  E-Mail_Address ')).toBe('emailaddress');
  });

  it('maps Porchlight’s own export, ignoring the columns that are not lead fields', () => {
    const mapped = Object.fromEntries(EXPORT_COLUMNS.map((h, i) => [h, detectColumns(EXPORT_COLUMNS)[i]]).filter(([, f]) => f));
    expect(mapped).toEqual({ name: 'name', email: 'email', phone: 'phone', contactInfo: 'contactInfo', status: 'status', createdAt: 'createdAt', stage: 'stage', lastContactedAt: 'lastContactedAt' });
  });

  it('gives a field other than email and phone to one column: its most wanted header, the leftmost on a tie', () => {
    expect(detectColumns(['Full Name', 'Name', 'Notes', 'Comments', 'Notes'])).toEqual([null, 'name', 'contactInfo', null, null]);
    expect(detectColumns(['Created', 'Date Added', 'Surname', 'Last'])).toEqual(['createdAt', null, 'lastName', null]);
  });

  it('maps every email and phone column, tried by their header’s rank (a mobile before another phone), then left to right', () => {
    const headers = ['Email', 'E-mail', 'Phone', 'Mobile', 'Work Phone'];
    expect(detectColumns(headers)).toEqual(['email', 'email', 'phone', 'phone', 'phone']);
    const order = columnsByField(headers, detectColumns(headers));
    expect(order.get('email')).toEqual([0, 1]); // one header once normalised: left to right
    expect(order.get('phone')).toEqual([3, 2, 4]);
    // Columns the realtor mapped whose headers are no alias of the field come after the aliases, left to right.
    expect(columnsByField(['Cell #2', 'Home Phone', 'Tel (office)', 'Mobile'], ['phone', 'phone', 'phone', 'phone']).get('phone')).toEqual([3, 1, 0, 2]);
    expect(columnsByField(['Email 1', 'Email'], detectColumns(['Email 1', 'Email'])).get('email')).toEqual([1, 0]);
  });

  it('maps the exports of Google Contacts and Outlook', () => {
    const google = ['First Name', 'Middle Name', 'Last Name', 'Nickname', 'E-mail 1 - Label', 'E-mail 1 - Value', 'Phone 1 - Label', 'Phone 1 - Value', 'Notes', 'Labels'];
    expect(detectColumns(google)).toEqual(['firstName', null, 'lastName', null, null, 'email', null, 'phone', 'contactInfo', null]);
    const outlook = ['First Name', 'Middle Name', 'Last Name', 'E-mail Address', 'E-mail 2 Address', 'Home Phone', 'Business Phone', 'Mobile Phone', 'Notes'];
    expect(detectColumns(outlook)).toEqual(['firstName', null, 'lastName', 'email', 'email', 'phone', 'phone', 'phone', 'contactInfo']);
    expect(columnsByField(outlook, detectColumns(outlook)).get('phone')).toEqual([7, 5, 6]);
  });

  it('refuses a mapping with no name, email or phone, an override of the wrong length and a field other than email or phone mapped twice', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err instanceof AppError ? err.code : 'other';
      }
      return 'none';
    };
    expect(code(() => resolveColumns(['Colour', 'Notes'], undefined))).toBe('validation_failed');
    expect(code(() => resolveColumns(['A', 'B'], ['name']))).toBe('validation_failed');
    expect(code(() => resolveColumns(['A', 'B'], ['name', 'name']))).toBe('validation_failed');
    expect(code(() => resolveColumns(['A', 'B', 'C'], ['phone', 'createdAt', 'createdAt']))).toBe('validation_failed');
    expect(resolveColumns(['A', 'B', 'C'], ['email', 'email', 'phone'])).toEqual(['email', 'email', 'phone']);
    expect(code(() => resolveColumns(['A', 'B'], [null, null]))).toBe('validation_failed');
    expect(resolveColumns(['A', 'B'], ['lastName', null])).toEqual(['lastName', null]);
  });
});

describe('a row’s other emails and phones in its contact info', () => {
  it('adds them after the contact info, as many as fit in 255 characters', () => {
    expect(withOtherContacts('a@example.com · +15550100142', ['+15550100143', 'b@example.com'])).toBe('a@example.com · +15550100142 · +15550100143 · b@example.com');
    expect(withOtherContacts(null, ['+15550100143'])).toBe('+15550100143');
    expect(withOtherContacts(null, [])).toBeNull();
    const notes = 'n'.repeat(240);
    expect(withOtherContacts(notes, [`${'x'.repeat(20)}@example.com`, '+15550100143'])).toBe(`${notes} · +15550100143`);
  });
});

describe('import createdAt cell', () => {
  it.each([
    ['2025-03-04', '2025-03-04T00:00:00Z'],
    ['3/4/2025', '2025-03-04T00:00:00Z'],
    ['12/31/2024', '2024-12-31T00:00:00Z'],
    ['2025-03-04T15:30:00Z', '2025-03-04T15:30:00Z'],
    ['2025-03-04T15:30:00.123456Z', '2025-03-04T15:30:00.123456Z'],
    ['2025-03-04 15:30', '2025-03-04T15:30:00Z'],
    ['2025-03-04T15:30:00+0530', '2025-03-04T15:30:00+05:30'],
    ['2025-03-04T15:30:00-05', '2025-03-04T15:30:00-05:00'],
    ['2024-02-29', '2024-02-29T00:00:00Z'],
  ])('reads "%s" as %s', (text, iso) => {
    expect(parseImportDate(text, NOW)).toMatchObject({ ok: true, iso });
  });

  it.each([
    ['yesterday', 'unparseable'], ['2025-02-30', 'unparseable'], ['2023-02-29', 'unparseable'], ['13/1/2025', 'unparseable'], ['31/12/2024', 'unparseable'],
    ['2025-03-04T25:00:00Z', 'unparseable'], ['0000-01-01', 'unparseable'], ['1899-12-31', 'unparseable'], ['2025-3-4', 'unparseable'], ['20250304', 'unparseable'],
    ['2026-12-04', 'future'], ['12/31/2999', 'future'],
  ])('refuses "%s" (%s)', (text, reason) => {
    expect(parseImportDate(text, NOW)).toEqual({ ok: false, reason });
  });
});

describe('reading an imported CSV', () => {
  it('numbers rows by the line they start on, across quoted line breaks and blank rows', () => {
    const csv = '\uFEFFName,Notes\r\n\r\nAnn,"two\r\nlines"\r\n,\r\nBo,x\rCy,"a ""quoted"" word"\nDee';
    expect(readImportCsv(csv)).toEqual({
      headers: ['Name', 'Notes'],
      records: [
        { line: 3, cells: ['Ann', 'two\nlines'] },
        { line: 6, cells: ['Bo', 'x'] },
        { line: 7, cells: ['Cy', 'a "quoted" word'] },
        { line: 8, cells: ['Dee'] },
      ],
    });
  });

  it.each([
    ['commas', 'Name,Email,Notes\nAnn,ann@example.com,"a; b"\n'],
    ['semicolons (Excel where a comma is the decimal mark)', 'Name;Email;Notes\nAnn;ann@example.com;"a; b"\n'],
    ['tabs', 'Name\tEmail\tNotes\nAnn\tann@example.com\ta; b\n'],
    ['semicolons, after a blank line, with a quoted header holding a comma', '\n"Name, full";Email;Notes\nAnn;ann@example.com;"a; b"\n'],
  ])('reads a file separated by %s, detected from its header row', (_, csv) => {
    const { headers, records } = readImportCsv(csv);
    expect(headers[1]).toBe('Email');
    expect(records.map((r) => r.cells)).toEqual([['Ann', 'ann@example.com', 'a; b']]);
  });

  it.each([
    ['Name', ','], ['Name,Email', ','], ['Name;Email', ';'], ['Name\tEmail', '\t'], ['Name;Email,Phone;Notes', ';'], ['"A;B;C",D', ','], [';;\nName\tEmail', '\t'],
  ])('takes the separator of %j as %j', (csv, delimiter) => {
    expect(detectDelimiter(csv)).toBe(delimiter);
  });

  it('keeps a stray quote inside an unquoted cell as text', () => {
    expect(readImportCsv('Name,Size\nAnn,5" tile\n').records).toEqual([{ line: 2, cells: ['Ann', '5" tile'] }]);
  });

  it.each([
    ['an unclosed quote', 'Name\nAnn\n"Bo\n', 3],
    ['an empty file', '', undefined],
    ['blank lines only', '\r\n , \r\n', undefined],
  ])('refuses %s with a 400 (line %s)', (_, csv, line) => {
    try {
      readImportCsv(csv);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('validation_failed');
      if (line) expect((err as AppError).details).toEqual([expect.objectContaining({ path: 'csv', line })]);
    }
  });

  it(`takes ${IMPORT_MAX_ROWS} rows and refuses one more`, () => {
    const rows = (n: number) => `Name\n${Array.from({ length: n }, (_, i) => `P${i}`).join('\n')}\n`;
    expect(readImportCsv(rows(IMPORT_MAX_ROWS)).records).toHaveLength(IMPORT_MAX_ROWS);
    expect(() => readImportCsv(rows(IMPORT_MAX_ROWS + 1))).toThrow(/At most 5000 rows/);
  });
});
