// Shared harness of the leads API tests (api/routes/leads-*.int.test.ts, lead-*.int.test.ts): a
// test server per file, clients that record any 5xx answer so the test that caused it fails, and
// readers for pages and CSV exports. Each file gets its own database, so the files run in parallel.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startTestServer, type TestServer } from './app.ts';
import { type LeadSeed, makeActivity, makeLead, makeLeads, makeRealtor, makeSite, type Realtor } from './factories.ts';
import { ApiClient, type HttpResult } from './http.ts';
import { holdRowLocks, sendQueuedBehind } from './row-locks.ts';

/** The 5xx answers seen by one file's clients (bad input must never reach one). */
type ServerErrors = string[];

/** ApiClient that records 5xx answers, so `afterEach` can fail the test that caused one. */
export class RecordingClient extends ApiClient {
  readonly serverErrors: ServerErrors;

  constructor(baseUrl: string, serverErrors: ServerErrors) {
    super(baseUrl);
    this.serverErrors = serverErrors;
  }

  override async request<T = any>(method: string, path: string, opts: Parameters<ApiClient['request']>[2] = {}): Promise<HttpResult<T>> {
    const res = await super.request<T>(method, path, opts);
    if (res.status >= 500) this.serverErrors.push(`${method} ${path.slice(0, 200)} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    return res;
  }
}

export interface LeadsApi {
  /** The file's test server (set in beforeAll). */
  readonly server: TestServer;
  /** A client with no credentials that records 5xx answers. */
  createClient(): RecordingClient;
  /** A signed-up realtor whose session client records 5xx answers. */
  makeRealtor(): Promise<Realtor<RecordingClient>>;
  /** A site of `client`'s realtor allowing https://homes.example; returns its id. */
  makeSite(client: ApiClient, name: string): Promise<string>;
  /** The `leads` row as Postgres has it (snake_case columns). */
  readLeadRow(leadId: string): Promise<Record<string, unknown>>;
  /** GET /v1/leads/export.csv with the client's credentials, BOM kept. */
  fetchCsv(client: ApiClient, query: string): Promise<{ status: number; headers: Headers; text: string }>;
}

/** Registers the file's hooks (server up, no 5xx after each test, server down) and returns the harness. */
export function useLeadsApi(): LeadsApi {
  let server: TestServer | undefined;
  const serverErrors: ServerErrors = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    const seen = serverErrors.splice(0);
    expect(seen, 'no request may answer 5xx').toEqual([]);
  });
  afterAll(async () => {
    await server?.close();
  });

  const api: LeadsApi = {
    get server() {
      if (!server) throw new Error('the test server starts in beforeAll');
      return server;
    },
    createClient: () => new RecordingClient(api.server.url, serverErrors),
    makeRealtor: () => makeRealtor(api.server, { client: api.createClient() }),
    async makeSite(client, name) {
      return (await makeSite({ client }, { name, allowedOrigins: ['https://homes.example'] })).siteId;
    },
    async readLeadRow(leadId) {
      const [row] = await api.server.sql<Record<string, unknown>>('select * from leads where lead_id = $1', [leadId]);
      return row;
    },
    async fetchCsv(client, query) {
      const headers: Record<string, string> = {};
      if (client.cookie) headers.cookie = client.cookie;
      if (client.bearer) headers.authorization = `Bearer ${client.bearer}`;
      const res = await fetch(`${api.server.url}/v1/leads/export.csv${query ? `?${query}` : ''}`, { headers });
      // Keep the BOM (Response.text() would strip it).
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
      if (res.status >= 500) serverErrors.push(`GET export.csv?${query} → ${res.status}`);
      return { status: res.status, headers: res.headers, text };
    },
  };
  return api;
}

const TIED_STATUSES = ['new', 'contacted', 'qualified', 'client', 'lost'] as const;

/**
 * `n` leads for `userId` with heavy ties: scores 0/10/20/30/40 (so every score is shared by n/5
 * leads, plus 30 on every 7th), three created_at instants a microsecond apart, and
 * last_activity_at missing on a third (also microsecond-exact: the keyset cursors must be too).
 */
export async function makeTiedLeads(server: TestServer, userId: string, n: number, siteId: string | null = null): Promise<string[]> {
  const seeds: LeadSeed[] = [];
  for (let g = 1; g <= n; g++) {
    const score = (g % 5) * 10 + (g % 7 === 0 ? 30 : 0);
    seeds.push({
      userId, siteId, name: `Tied ${g}`, email: `tied${g}@example.com`, status: TIED_STATUSES[g % 5],
      score, scoreBand: score >= 60 ? 'hot' : score >= 25 ? 'warm' : 'cold',
      createdAt: `2026-01-01T10:00:00.12345${6 + (g % 3)}Z`,
      lastActivityAt: g % 3 === 0 ? null : `2026-02-01T00:0${g % 4}:00.000001Z`,
    });
  }
  return makeLeads(server, seeds);
}

/** `iso` (an instant with microseconds, `…ss.ffffffZ`) moved by whole milliseconds, microseconds kept. */
export function shiftMicroTime(iso: string, offsetMs: number): string {
  const match = /^(.*\.\d{3})(\d{3})Z$/.exec(iso);
  if (!match) throw new Error(`not a microsecond ISO time: ${iso}`);
  return `${new Date(Date.parse(`${match[1]}Z`) + offsetMs).toISOString().slice(0, -1)}${match[2]}Z`;
}

/** Follows nextCursor to the end; returns every lead id in the order served. */
export async function walkLeads(client: ApiClient, query: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 10_000; pages++) {
    const res: HttpResult = await client.get(`/v1/leads?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    ids.push(...res.body.items.map((l: { leadId: string }) => l.leadId));
    cursor = res.body.nextCursor;
    if (!cursor) return ids;
    expect(res.body.items).toHaveLength(limit);
  }
  throw new Error('pagination did not end');
}

/** A cursor as the API encodes it (base64url JSON), for forging bad ones. */
export function encodeCursor(parts: unknown): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** RFC 4180 parser (quoted cells, doubled quotes, CRLF records) for reading exports. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' && cell === '') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted cell');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += text[i++];
      }
      if (i < text.length && text[i] !== ',' && text.slice(i, i + 2) !== '\r\n') throw new Error(`garbage after quoted cell at ${i}`);
      continue;
    }
    if (c === ',') {
      row.push(cell);
      cell = '';
      i++;
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else {
      if (c === '\r' || c === '\n') throw new Error(`bare line break outside quotes at ${i}`);
      cell += c;
      i++;
    }
  }
  if (cell !== '' || row.length) throw new Error('last record has no CRLF');
  return rows;
}

/** The export as records keyed by header, without the BOM. */
export function readCsvRecords(text: string): Array<Record<string, string>> {
  expect(text.startsWith('\uFEFF')).toBe(true);
  const [header, ...rows] = parseCsv(text.slice(1));
  return rows.map((r) => {
    expect(r).toHaveLength(header.length);
    return Object.fromEntries(header.map((h, i) => [h, r[i]]));
  });
}

/**
 * A request about one of a new realtor's leads, sent while `DELETE /v1/leads/:id` is erasing that
 * lead: the delete is caught after it has locked and deleted the lead row (a transaction of the
 * test's own holds the lead's activity, which the delete's cascade must remove), then `send` is
 * queued behind it and both are let go. Returns the lead and both answers.
 */
export async function sendWhileLeadIsDeleted(api: LeadsApi, send: (client: RecordingClient, leadId: string) => Promise<HttpResult>): Promise<{ leadId: string; deleted: HttpResult; added: HttpResult }> {
  const { client, userId } = await api.makeRealtor();
  const { leadId } = await makeLead(api.server, { userId });
  await makeActivity(api.server, { leadId, userId, type: 'note', body: 'Met at the open house' });
  const holder = await holdRowLocks(api.server, 'select activity_id from lead_activities where lead_id = $1 for update', [leadId]);
  const { first: deleted, second: added } = await sendQueuedBehind(api.server, holder, () => client.delete(`/v1/leads/${leadId}`), () => send(client, leadId));
  return { leadId, deleted, added };
}
