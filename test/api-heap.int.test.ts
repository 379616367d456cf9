// The API process as production runs it — with the heap flags of `npm run api`, `npm start` and
// the Docker image (scripts/node-flags.ts: a 96 MB old space) — takes four of the largest CSV
// imports the route accepts at once and stays up: two run (IMPORT_SLOTS), two wait their turn.
// (Measured 2026-12-03: three at once, without the slots, did not fit a 72 MB cap; one did not fit
// 48 MB. The slots bound the peak to two imports whatever the number of realtors importing.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMPORT_MAX_ROWS } from '#core/leads/import-schemas.ts';
import { IMPORT_MAX_CSV_CHARS } from '#core/shared/import-rules.ts';
import { API_ENV, API_NODE_FLAGS } from '../scripts/node-flags.ts';
import { createQueuePrefix, createTestDatabase, type TestDatabase } from './db.ts';
import { TEST_REDIS_URL } from './env.ts';
import { ApiClient } from './http.ts';
import { type NodeProcess, spawnNodeWith, stopAll, waitForLog } from './process.ts';

const IMPORTS_AT_ONCE = 4;
let db: TestDatabase;
let api: NodeProcess;
let base: string;
beforeAll(async () => {
  db = await createTestDatabase();
  api = spawnNodeWith([...API_NODE_FLAGS, 'api/main.ts'], {
    ...API_ENV, DATABASE_URL: db.url, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: createQueuePrefix(), LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1',
  });
  base = `http://127.0.0.1:${(await waitForLog(api, 'api listening')).port}`;
});
afterAll(async () => {
  await stopAll([api]);
  await db.drop();
});

/** As many rows as an import may have, each with a valid email and two phones, padded to the character limit by a column the import ignores. */
function largestCsv(tag: string): string {
  const header = 'First Name,Last Name,Email,Mobile Phone,Home Phone,Last contacted,Zebra';
  const row = (n: number, pad: string) => `First${n},Last${n},${tag}-${n}@example.com,+1 555 ${String(1_000_000 + n).slice(-7)},+1 555 ${String(2_000_000 + n).slice(-7)},2026-11-0${1 + (n % 9)},${pad}`;
  const padLength = Math.floor((IMPORT_MAX_CSV_CHARS - header.length) / IMPORT_MAX_ROWS) - row(IMPORT_MAX_ROWS, '').length - 2;
  const pad = 'z'.repeat(padLength);
  return [header, ...Array.from({ length: IMPORT_MAX_ROWS }, (_, n) => row(n, pad))].join('\n');
}

describe('the API process under its production heap flags', () => {
  it(`imports ${IMPORTS_AT_ONCE} CSV files of the largest size at once and stays up`, async () => {
    const realtors = await Promise.all(Array.from({ length: IMPORTS_AT_ONCE }, async (_, i) => {
      const client = new ApiClient(base);
      await client.signUp({ username: `heap${i}`, email: `heap${i}@example.com`, password: 'a long enough password' });
      return { client, csv: largestCsv(`heap${i}`) };
    }));
    for (const r of realtors) {
      expect(r.csv.length).toBeGreaterThan(IMPORT_MAX_CSV_CHARS * 0.99);
      expect(r.csv.length).toBeLessThanOrEqual(IMPORT_MAX_CSV_CHARS);
    }
    const answers = await Promise.all(realtors.map((r) => r.client.post('/v1/leads/import', { csv: r.csv })));
    expect(answers.map((a) => [a.status, a.body.toCreate, a.body.invalid])).toEqual(realtors.map(() => [201, IMPORT_MAX_ROWS, 0]));
    expect(api.child.exitCode).toBeNull();
    // Still serving, and every lead is there.
    for (const r of realtors) expect((await r.client.get('/v1/leads?limit=1')).status).toBe(200);
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect((await client.query('select count(*)::int as n from leads')).rows[0].n).toBe(IMPORTS_AT_ONCE * IMPORT_MAX_ROWS);
    } finally {
      await client.end();
    }
  });
});
