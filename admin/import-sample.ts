// The sample file the import page offers ("Download a sample file", docs/import.md): a header row
// of columns the import recognises and two contacts, to fill in or to copy the headers from.
// admin/import-sample.test.ts reads it with the server's own CSV reader and header detection.

/** Header → a value for each sample contact. */
const SAMPLE: ReadonlyArray<readonly [header: string, first: string, second: string]> = [
  ['First name', 'Dana', 'Sam'],
  ['Last name', 'Whitaker', 'Porter'],
  ['Email', 'dana.whitaker@example.com', ''],
  ['Mobile', '(555) 010-0142', ''],
  ['Home phone', '', '(555) 010-0199'],
  ['Status', 'qualified', 'client'],
  ['Stage', '', ''],
  ['Date added', '2025-03-04', '2024-11-18'],
  ['Last contacted', '2025-10-30', ''],
  ['Notes', 'Looking for a 3-bedroom near the park; prefers texts', 'Sold with us in 2024, may buy again'],
];

/** A CSV cell, quoted when it holds a comma, a quote or a line break. */
function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The sample's text: CRLF line ends, as spreadsheets write them. */
export const IMPORT_SAMPLE_CSV = [SAMPLE.map(([h]) => h), SAMPLE.map(([, a]) => a), SAMPLE.map(([, , b]) => b)]
  .map((row) => row.map(cell).join(','))
  .join('\r\n')
  .concat('\r\n');

export const IMPORT_SAMPLE_FILE_NAME = 'porchlight-contacts-sample.csv';
