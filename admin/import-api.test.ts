// The import page's copies of the server's import values (the browser may not import core/leads
// at runtime) must stay equal to them: a limit raised on the server, or a field added, shows here.
import { describe, expect, it } from 'vitest';
import { IMPORT_FIELDS as SERVER_FIELDS, IMPORT_MAX_CSV_CHARS as SERVER_MAX_CHARS } from '../core/leads/import-schemas.ts';
import { IMPORT_FIELDS, IMPORT_MAX_CSV_CHARS } from './import-api.ts';

describe('the import page’s copies of the server’s import rules', () => {
  it('refuses a file over the same number of characters as the API', () => {
    expect(IMPORT_MAX_CSV_CHARS).toBe(SERVER_MAX_CHARS);
  });

  it('offers every field a column can map to, and only those', () => {
    expect([...IMPORT_FIELDS].sort()).toEqual([...SERVER_FIELDS].sort());
  });
});
