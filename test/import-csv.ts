// Helpers of the CSV import's tests (api/routes/leads-import*.int.test.ts, docs/import.md).
import type { ApiClient } from './http.ts';

/** CSV text from rows of cells (cells quoted where needed), CRLF line ends. */
export function csvOf(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const cell = (c: string) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return `${rows.map((r) => r.map(cell).join(',')).join('\r\n')}\r\n`;
}

/** `POST /v1/leads/import` with `body` (a dry run when it says so). */
export function importCsv(client: ApiClient, body: Record<string, unknown>) {
  return client.post('/v1/leads/import', body);
}
