// The import page's sample file, read as the server reads an upload: every column is one the
// import recognises, and both contacts are valid rows.
import { describe, expect, it } from 'vitest';
import { columnsByField, detectColumns } from '#core/leads/import-columns.ts';
import { readImportCsv } from '#core/leads/read-import-csv.ts';
import { IMPORT_FIELDS } from '#core/shared/import-rules.ts';
import { IMPORT_SAMPLE_CSV } from './import-sample.ts';

describe('the import sample file', () => {
  it('has a column for every field the import fills, each recognised by its header', () => {
    const { headers, records } = readImportCsv(IMPORT_SAMPLE_CSV);
    const fields = detectColumns(headers);
    expect(fields.filter((f) => f === null)).toEqual([]);
    // Name is covered by first and last name; every other field has a column.
    expect(IMPORT_FIELDS.filter((f) => f !== 'name' && !fields.includes(f))).toEqual([]);
    expect(columnsByField(headers, fields).get('phone')).toHaveLength(2);
    expect(records.map((r) => r.cells.length)).toEqual([headers.length, headers.length]);
  });
});
