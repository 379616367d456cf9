// The fixtures the router-generated suites share (test/route-isolation.int.test.ts,
// test/hostile-corpus.int.test.ts): how to make a resource for each `<collection>/:<param>` of a
// route path, and a valid body for writes whose schema rejects `{}`. See the top of
// test/route-isolation.int.test.ts for how to add an entry for a new route.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { routeSpecsOf } from '#api/route.ts';
import { makeFilteredInquiry, type OrmTarget } from './factories.ts';
import type { ApiClient } from './http.ts';

export interface Alice {
  client: ApiClient;
  userId: string;
  /** The test server's ORM (for factories) and SQL, for resources no API creates on demand (held or reported by the public form). */
  server: OrmTarget & { sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]> };
  /** The id of Alice's resource for a key of RESOURCES (created once, on first use). */
  id(key: string): Promise<string>;
  /** Text in every fixture's name (MARKER for Alice; another owner gets its own, so that a search for MARKER finds only hers). */
  marker: string;
  /** Lower-case word in fixture emails and URLs (`alice`). */
  handle: string;
}

/** Text in every fixture, so a leak of any of it is easy to find in an answer. */
export const MARKER = 'Zanzibar-Alice-Private';
/** The listing reference of Alice's analytics event and listing: a top-listings leak shows it. */
export const MARKER_LISTING_REF = `${MARKER}-listing`;
const ok = async <T>(res: Promise<{ status: number; body: any }>, pick: (body: any) => T): Promise<T> => {
  const r = await res;
  if (r.status >= 300) throw new Error(`fixture request failed: ${r.status} ${JSON.stringify(r.body)}`);
  return pick(r.body);
};

/** `<collection>/:<param>` → how to create one of Alice's resources and return its id. */
export const RESOURCES: Record<string, (alice: Alice) => Promise<string>> = {
  'sites/:id': (a) => ok(a.client.post('/v1/sites', { name: `${a.marker} site`, allowedOrigins: [`https://${a.handle}.example`] }), (b) => b.siteId),
  'leads/:id': (a) => ok(a.client.post('/v1/leads', { name: `${a.marker} lead`, email: `${a.handle}-private-lead@example.com`, phone: '555-010-0777' }), (b) => b.leadId),
  'reminders/:id': async (a) => ok(a.client.post(`/v1/leads/${await a.id('leads/:id')}/reminders`, { reminderDate: '2030-01-01T09:00:00Z', reminderMessage: `${a.marker} call back` }), (b) => b.reminderId),
  'api-keys/:id': (a) => ok(a.client.post('/v1/api-keys', { name: `${a.marker} key` }), (b) => b.apiKeyId),
  'webhook-endpoints/:id': (a) => ok(a.client.post('/v1/webhook-endpoints', { url: `http://127.0.0.1:9/${a.handle}-hook`, description: `${a.marker} hook` }), (b) => b.endpointId),
  'webhook-deliveries/:id': async (a) => ok(a.client.post(`/v1/webhook-endpoints/${await a.id('webhook-endpoints/:id')}/test`), (b) => b.deliveryId),
  // Routes other branches of this wave add (WAVE.md contracts); unused until their routes exist.
  'activities/:activityId': async (a) => ok(a.client.post(`/v1/leads/${await a.id('leads/:id')}/activities`, { type: 'note', body: `${a.marker} note` }), (b) => b.activityId),
  'pipeline-stages/:stageId': (a) => ok(a.client.post('/v1/pipeline-stages', { label: `${a.marker} stage` }), (b) => b.stageId),
  // Another browser session of Alice's (Account settings lists and ends them): a row as login writes it.
  'sessions/:id': async (a) => {
    const [row] = await a.server.sql<{ id: string }>(
      `insert into sessions (session_id, token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
       values (gen_random_uuid(), encode(sha256(gen_random_uuid()::text::bytea), 'hex'), $1, encode(sha256(gen_random_uuid()::text::bytea), 'hex'),
               now(), now(), now() + interval '1 day', '203.0.113.7', $2) returning session_id as id`,
      [a.userId, `${a.marker} browser`],
    );
    return row.id;
  },
  // A CSV import of one contact (docs/import.md); undone by DELETE /v1/leads/imports/:id.
  'imports/:id': (a) => ok(a.client.post('/v1/leads/import', { csv: `Name,Email\r\n${a.marker} imported,${a.handle}-imported@example.com\r\n`, fileName: `${a.marker}.csv` }), (b) => b.importId),
  // Written by the public form only (over a site's budget; contact details for an existing lead).
  'filtered-inquiries/:id': async (a) =>
    (await makeFilteredInquiry(a.server, { userId: a.userId, siteId: await a.id('sites/:id'), email: `${a.handle}-held@example.com`, message: `${a.marker} held inquiry` })).filteredInquiryId,
  'reported-contacts/:id': async (a) => {
    const [row] = await a.server.sql<{ id: string }>(
      `insert into lead_reported_contacts (reported_contact_id, user_id, lead_id, kind, value, source, reported_at, last_reported_at)
       values (gen_random_uuid(), $1, $2, 'phone', '+15550100999', 'inquiry', now(), now()) returning reported_contact_id as id`,
      [a.userId, await a.id('leads/:id')],
    );
    return row.id;
  },
};

/** `<METHOD> <path>` → a valid body, for writes whose schema does not accept `{}`. */
export const SAMPLE_BODIES: Record<string, unknown> = {
  'PATCH /v1/sites/:id': { name: 'Hijacked' },
  'POST /v1/sites/:id/allowed-origins': { origin: 'https://hijack.example' },
  'PATCH /v1/leads/:id': { name: 'Hijacked', status: 'lost' },
  'POST /v1/leads/:id/inquiries': { message: 'Injected' },
  'POST /v1/leads/:id/reminders': { reminderDate: '2030-01-01T09:00:00Z', reminderMessage: 'Injected' },
  'PATCH /v1/reminders/:id': { reminderMessage: 'Hijacked' },
  'POST /v1/reminders/:id/snooze': { for: '1h' },
  'POST /v1/reminders/:id/unsnooze': { until: '2030-01-01T09:00:00Z' },
  'PATCH /v1/webhook-endpoints/:id': { description: 'Hijacked' },
  'POST /v1/webhook-endpoints/:id/recover': { since: '2020-01-01T00:00:00Z' },
  'POST /v1/leads/:id/activities': { type: 'note', body: 'Injected' },
  'PATCH /v1/activities/:activityId': { body: 'Hijacked' },
  'PATCH /v1/pipeline-stages/:stageId': { label: 'Hijacked' },
  'PUT /v1/leads/:id/stage': { stageId: randomUUID() },
};
/** `GET <path>` → query string, for reads whose query schema needs parameters. */
export const SAMPLE_QUERIES: Record<string, string> = {};
/**
 * A uuid field of a query or body schema (its name; `[]` for an array's items) → the RESOURCES key
 * of what it names. The isolation suite puts Alice's id there as Bob; a uuid field missing here
 * fails the suite, as a path param missing from RESOURCES does.
 */
export const UUID_FIELDS: Record<string, string> = {
  site: 'sites/:id',
  siteId: 'sites/:id',
  lead: 'leads/:id',
  leadId: 'leads/:id',
  'ids[]': 'leads/:id',
  'leadIds[]': 'leads/:id',
  stageId: 'pipeline-stages/:stageId',
  'stageIds[]': 'pipeline-stages/:stageId',
  moveTo: 'pipeline-stages/:stageId',
  importId: 'imports/:id',
};
/**
 * `<METHOD> <path>` → valid bodies built from the caller's OWN ids, for each write whose body has
 * uuid fields (one per variant of a union). Each uuid field is then swapped for Alice's id in turn,
 * so her id is the only thing wrong with the request.
 */
export const SCOPED_BODIES: Record<string, (owner: Alice) => Promise<unknown[]>> = {
  'POST /v1/leads': async (o) => [{ name: 'Scoped lead', siteId: await o.id('sites/:id') }],
  'POST /v1/leads/bulk': async (o) => {
    const leadIds = [await o.id('leads/:id')];
    return [
      { action: 'stage', leadIds, stageId: await o.id('pipeline-stages/:stageId') },
      { action: 'reminder', leadIds, reminderDate: '2030-01-01T09:00:00Z', reminderMessage: 'Scoped' },
      { action: 'delete', leadIds },
    ];
  },
  'PUT /v1/pipeline-stages/order': async (o) => {
    await o.id('pipeline-stages/:stageId');
    return [{ stageIds: (await ok(o.client.get('/v1/pipeline-stages'), (b) => b.items as { stageId: string }[])).map((st) => st.stageId).reverse() }];
  },
  'PUT /v1/leads/:id/stage': async (o) => [{ stageId: await o.id('pipeline-stages/:stageId') }],
  // A dry run: the site check comes first, and nothing is written either way.
  'POST /v1/leads/import': async (o) => [{ csv: 'Name\r\nScoped import\r\n', dryRun: true, siteId: await o.id('sites/:id') }],
};

/** The uuid fields of a query or body schema, as UUID_FIELDS names them (`site`, `leadIds[]`), found through its JSON Schema. */
export function uuidFields(schema: z.ZodType | undefined): string[] {
  const found = new Set<string>();
  const walk = (s: unknown, at: string) => {
    if (!s || typeof s !== 'object') return;
    const node = s as Record<string, unknown>;
    if (node.format === 'uuid') found.add(at);
    for (const k of ['anyOf', 'oneOf', 'allOf']) for (const x of (node[k] as unknown[] | undefined) ?? []) walk(x, at);
    if (node.items) walk(node.items, `${at}[]`);
    for (const [name, p] of Object.entries((node.properties as Record<string, unknown> | undefined) ?? {})) walk(p, at ? `${at}.${name}` : name);
    if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${at}.*`);
  };
  if (schema) walk(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), '');
  return [...found];
}

/** Authenticated routes that hold no tenant rows (nothing of Alice's to leak), with the reason. */
export const NOT_TENANT_DATA: Record<string, string> = {
  'GET /v1/webhook-event-types': 'the static event catalogue',
};

export type Spec = ReturnType<typeof routeSpecsOf>[number];
export const routeKey = (spec: Spec) => `${spec.method.toUpperCase()} ${spec.path}`;
/** `/v1/leads/:id/inquiries` → ['leads/:id']. */
export const paramKeys = (path: string) => {
  const segments = path.split('/');
  return segments.flatMap((s, i) => (s.startsWith(':') ? [`${segments[i - 1]}/${s}`] : []));
};


/** An Alice whose resources are created on first use, each once. Another owner (Bob) passes its own marker and handle. */
export function makeAlice(client: ApiClient, userId: string, server: Alice['server'], { marker = MARKER, handle = 'alice' } = {}): Alice & { ids: Map<string, string> } {
  const pending = new Map<string, Promise<string>>();
  const ids = new Map<string, string>();
  const alice = {
    client,
    userId,
    server,
    ids,
    marker,
    handle,
    id(k: string) {
      const factory = RESOURCES[k];
      if (!factory) throw new Error(`no RESOURCES entry for ${k}`);
      if (!pending.has(k)) {
        pending.set(k, factory(alice).then((id) => {
          ids.set(k, id);
          return id;
        }));
      }
      return pending.get(k)!;
    },
  };
  return alice;
}
