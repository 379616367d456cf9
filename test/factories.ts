// Test data factories: each `make…` writes real rows and returns what tests need (ids, keys,
// clients). Accounts, API keys and sites go through the HTTP API, as a realtor would make them;
// rows the API cannot produce by itself (scores, past timestamps, anonymous events, webhook rows)
// go through the ORM entities, never through domain functions, so a factory does not change when
// a core function's signature does.
//
// Timestamps: a `Date`, or an ISO string when a test needs microseconds (`…00.123456Z`), which
// reaches Postgres as written (em.insert passes it through; a Date would cut it to milliseconds).
import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityData, EntityManager, EntityName, MikroORM } from '@mikro-orm/postgresql';
import { UserSchema } from '#core/accounts/user.entity.ts';
import { type ActivityType, LeadActivitySchema } from '#core/activities/lead-activity.entity.ts';
import { LeadAnalyticSchema } from '#core/events/lead-analytic.entity.ts';
import { VisitorSchema } from '#core/events/visitor.entity.ts';
import { FilteredInquirySchema } from '#core/inquiries/filtered-inquiry.entity.ts';
import { InquirySchema, type InquirySource } from '#core/inquiries/inquiry.entity.ts';
import { type LeadStatus, LeadSchema, type ScoreBand, type ScoreBreakdown } from '#core/leads/lead.entity.ts';
import { ListingSchema } from '#core/listings/listing.entity.ts';
import { PipelineStageSchema, type StageOutcome } from '#core/pipeline/pipeline-stage.entity.ts';
import { FollowUpReminderSchema, type ReminderAutoRule, type ReminderKind, type ReminderStatus } from '#core/reminders/follow-up-reminder.entity.ts';
import { DAY_MS } from '#core/shared/time.ts';
import { WebhookEndpointSchema } from '#core/webhooks/webhook-endpoint.entity.ts';
import { WebhookMessageSchema } from '#core/webhooks/webhook-message.entity.ts';
import { ApiClient } from './http.ts';

/** What factories write through: a test server's ORM, and its URL for rows made over HTTP. */
export interface FactoryTarget {
  orm: MikroORM;
  url: string;
}

/** What the factories that insert rows need: an ORM (a test server, or `useTestOrm()` in a core test). */
export type OrmTarget = Pick<FactoryTarget, 'orm'>;

/** A `Date`, or an ISO string kept to the microsecond. */
export type TestTime = Date | string;

/** Rows per INSERT in bulk factories: well under Postgres's 65,535 bind parameters. */
const INSERT_CHUNK_ROWS = 1000;

async function insertRows(server: OrmTarget, entity: EntityName, rows: Record<string, unknown>[]): Promise<void> {
  const em = server.orm.em.fork() as EntityManager;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) {
    // The entity property types say Date; a microsecond string is passed on to Postgres unchanged.
    await em.insertMany(entity, rows.slice(i, i + INSERT_CHUNK_ROWS) as EntityData<object>[]);
  }
}

/**
 * Inserts one row per seed (`toRow`; a property left undefined takes the column default, as
 * rows written by the app would) and returns each row's `idKey` value.
 */
async function insertSeeds<S>(server: OrmTarget, entity: EntityName, idKey: string, seeds: readonly S[], toRow: (seed: S) => Record<string, unknown>): Promise<string[]> {
  const rows = seeds.map((seed) => Object.fromEntries(Object.entries(toRow(seed)).filter(([, v]) => v !== undefined)));
  await insertRows(server, entity, rows);
  return rows.map((r) => r[idKey] as string);
}

function shortId(): string {
  return randomBytes(4).toString('hex');
}

// ── Realtors ──────────────────────────────────────────────────────────────────────────────────

export interface Realtor<C extends ApiClient = ApiClient> {
  userId: string;
  username: string;
  email: string;
  password: string;
  /** Signed in: a session cookie and CSRF token, or (`auth: 'apiKey'`) a bearer key and no cookie. */
  client: C;
  /** The plain API key when `auth: 'apiKey'`, else null. */
  apiKey: string | null;
}

export interface RealtorOptions<C extends ApiClient> {
  /** `session` (default): the client keeps the signup cookie; `apiKey`: the client sends only a fresh API key. */
  auth?: 'session' | 'apiKey';
  /** The client to sign in (a subclass that records answers, say); default a new ApiClient. */
  client?: C;
  username?: string;
  email?: string;
  password?: string;
  /**
   * Confirm the address right after signup (default false: a fresh signup is unconfirmed). Alerts
   * and digests go only to a confirmed address, so a test that expects them sets this.
   */
  verified?: boolean;
}

/** Signs a realtor up over HTTP (`POST /v1/auth/signup`). */
export async function makeRealtor<C extends ApiClient = ApiClient>(server: FactoryTarget, opts: RealtorOptions<C> = {}): Promise<Realtor<C>> {
  const client = opts.client ?? (new ApiClient(server.url) as C);
  const overrides = { username: opts.username, email: opts.email, password: opts.password };
  const account = await client.signUp(Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)));
  if (opts.verified) {
    await (server.orm.em.fork() as EntityManager).nativeUpdate(UserSchema, { userId: account.userId }, { emailVerifiedAt: new Date() });
  }
  let apiKey: string | null = null;
  if (opts.auth === 'apiKey') {
    apiKey = await makeApiKey({ client });
    client.cookie = '';
    client.csrfToken = '';
    client.bearer = apiKey;
  }
  return { ...account, client, apiKey };
}

/** Creates an API key over HTTP for a signed-in realtor; returns the plain key (shown once). */
export async function makeApiKey(realtor: { client: ApiClient }, name = `key ${shortId()}`): Promise<string> {
  const res = await realtor.client.post('/v1/api-keys', { name });
  if (res.status !== 201) throw new Error(`API key creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.key;
}

/** A new client that authenticates with `key` only (Bearer, no cookie, no CSRF). */
export function createBearerClient(server: FactoryTarget, key: string): ApiClient {
  const client = new ApiClient(server.url);
  client.bearer = key;
  return client;
}

// ── Sites ─────────────────────────────────────────────────────────────────────────────────────

export interface UserSeed {
  /** Default `Realtor`. */
  username?: string;
  /** Default a unique address. */
  email?: string;
  /** Default `x` (no one logs in as this user: for core tests without an app). */
  passwordHash?: string;
  emailVerifiedAt?: TestTime | null;
}

/** Inserts a realtor account straight through the ORM (core tests without an app; `makeRealtor` signs up over HTTP). */
export async function makeUser(server: OrmTarget, seed: UserSeed = {}): Promise<{ userId: string }> {
  const userId = randomUUID();
  await insertRows(server, UserSchema, [{
    userId, username: seed.username ?? 'Realtor', email: seed.email ?? `r${userId}@example.com`, passwordHash: seed.passwordHash ?? 'x',
    emailVerifiedAt: seed.emailVerifiedAt ?? null,
  }]);
  return { userId };
}

export interface TestSite {
  siteId: string;
  publicKey: string;
  name: string;
  allowedOrigins: string[];
}

/** Creates a site over HTTP (`POST /v1/sites`) as `realtor`. */
export async function makeSite(realtor: { client: ApiClient }, input: { name?: string; allowedOrigins?: string[] } = {}): Promise<TestSite> {
  const res = await realtor.client.post('/v1/sites', { name: input.name ?? `Site ${shortId()}`, ...(input.allowedOrigins ? { allowedOrigins: input.allowedOrigins } : {}) });
  if (res.status !== 201) throw new Error(`site creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  const { siteId, publicKey, name, allowedOrigins } = res.body;
  return { siteId, publicKey, name, allowedOrigins };
}

// ── Leads ─────────────────────────────────────────────────────────────────────────────────────

export interface LeadSeed {
  userId: string;
  siteId?: string | null;
  /** Default `Lead <random>`. */
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  contactInfo?: string | null;
  status?: LeadStatus;
  score?: number;
  /** Not derived from `score`: a test states the band it means. Default `cold`. */
  scoreBand?: ScoreBand;
  scoreBreakdown?: ScoreBreakdown | null;
  createdAt?: TestTime;
  updatedAt?: TestTime;
  lastActivityAt?: TestTime | null;
  scoredAt?: TestTime | null;
  needsRescore?: boolean;
}

/** Inserts leads directly, for states the API cannot reach by itself (scores, bands, past times). */
export async function makeLeads(server: OrmTarget, seeds: LeadSeed[]): Promise<string[]> {
  return insertSeeds(server, LeadSchema, 'leadId', seeds, ({ userId, siteId, ...rest }) => ({
    leadId: randomUUID(), user: userId, site: siteId ?? null, name: `Lead ${shortId()}`, status: 'new', score: 0, scoreBand: 'cold', ...rest,
  }));
}

export async function makeLead(server: OrmTarget, seed: LeadSeed): Promise<{ leadId: string }> {
  const [leadId] = await makeLeads(server, [seed]);
  return { leadId };
}

// ── Analytics events and visitors ─────────────────────────────────────────────────────────────

export interface EventSeed {
  siteId: string;
  /** null (default): an anonymous visitor's event, not yet stitched to a lead. */
  leadId?: string | null;
  /** `event_type`; default `page_view`. */
  type?: string;
  value?: string | null;
  visitorId?: string | null;
  /** `event_date`; default now(). */
  at?: TestTime;
  listingRef?: string | null;
  pageUrl?: string | null;
  clientEventId?: string | null;
  props?: Record<string, string | number | boolean | null> | null;
  receivedAt?: TestTime;
}

/** Inserts analytics events (`lead_analytics`) as ingest and stitching would have left them. */
export async function makeEvents(server: OrmTarget, seeds: EventSeed[]): Promise<string[]> {
  return insertSeeds(server, LeadAnalyticSchema, 'analyticId', seeds, (s) => ({
    analyticId: randomUUID(), site: s.siteId, lead: s.leadId ?? null, eventType: s.type ?? 'page_view', eventValue: s.value ?? null,
    visitorId: s.visitorId ?? null, listingRef: s.listingRef ?? null, pageUrl: s.pageUrl ?? null, clientEventId: s.clientEventId ?? null,
    props: s.props ?? null, eventDate: s.at, receivedAt: s.receivedAt,
  }));
}

export async function makeEvent(server: OrmTarget, seed: EventSeed): Promise<{ analyticId: string }> {
  const [analyticId] = await makeEvents(server, [seed]);
  return { analyticId };
}

export interface VisitorSeed {
  siteId: string;
  visitorId?: string;
  leadId?: string | null;
  /** Default now(); `lastSeenAt` defaults to `firstSeenAt`. */
  firstSeenAt?: TestTime;
  lastSeenAt?: TestTime;
  stitchedAt?: TestTime | null;
}

/** Inserts a visitor (an anonymous browser on a site), linked to a lead when `leadId` is given. */
export async function makeVisitor(server: OrmTarget, seed: VisitorSeed): Promise<{ siteId: string; visitorId: string }> {
  const visitorId = seed.visitorId ?? `v_${shortId()}`;
  const row: Record<string, unknown> = { site: seed.siteId, visitorId, lead: seed.leadId ?? null, stitchedAt: seed.stitchedAt ?? null };
  if (seed.firstSeenAt !== undefined) row.firstSeenAt = seed.firstSeenAt;
  if ((seed.lastSeenAt ?? seed.firstSeenAt) !== undefined) row.lastSeenAt = seed.lastSeenAt ?? seed.firstSeenAt;
  await insertRows(server, VisitorSchema, [row]);
  return { siteId: seed.siteId, visitorId };
}

// ── Inquiries, reminders ──────────────────────────────────────────────────────────────────────

export interface InquirySeed {
  leadId: string;
  /** Default `Question`. */
  message?: string;
  /** Default `manual`. */
  source?: InquirySource;
  siteId?: string | null;
  listingRef?: string | null;
  pageUrl?: string | null;
  clientEventId?: string | null;
  /** Default now(). */
  createdAt?: TestTime;
}

/** Inserts inquiries directly (no rescore flag, no job): for history a test reads, not for the inquiry flow. */
export async function makeInquiries(server: OrmTarget, seeds: InquirySeed[]): Promise<string[]> {
  return insertSeeds(server, InquirySchema, 'inquiryId', seeds, (s) => ({
    inquiryId: randomUUID(), lead: s.leadId, message: s.message ?? 'Question', source: s.source ?? 'manual', site: s.siteId ?? null,
    listingRef: s.listingRef ?? null, pageUrl: s.pageUrl ?? null, clientEventId: s.clientEventId ?? null, createdAt: s.createdAt,
  }));
}

export async function makeInquiry(server: OrmTarget, seed: InquirySeed): Promise<{ inquiryId: string }> {
  const [inquiryId] = await makeInquiries(server, [seed]);
  return { inquiryId };
}

export interface FilteredInquirySeed {
  userId: string;
  siteId: string;
  /** Default `Question`. */
  message?: string;
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  visitorId?: string | null;
  listingRef?: string | null;
  pageUrl?: string | null;
  /** The consent wording the person saw; default null. */
  consentText?: string | null;
  consentVersion?: string | null;
  /** Default null. */
  consentAt?: TestTime | null;
  /** Default `site_budget`. */
  reason?: string;
  /** Default now(). */
  receivedAt?: TestTime;
}

/** Inserts an inquiry the public form held back (over its site's budget), as `POST /v1/inquiries` would have stored it. */
export async function makeFilteredInquiry(server: OrmTarget, seed: FilteredInquirySeed): Promise<{ filteredInquiryId: string }> {
  const filteredInquiryId = randomUUID();
  await insertRows(server, FilteredInquirySchema, [{
    filteredInquiryId, user: seed.userId, site: seed.siteId, clientEventId: randomUUID(), visitorId: seed.visitorId ?? null,
    name: seed.name ?? null, email: seed.email ?? null, phone: seed.phone ?? null, message: seed.message ?? 'Question',
    listingRef: seed.listingRef ?? null, pageUrl: seed.pageUrl ?? null, consentText: seed.consentText ?? null, consentVersion: seed.consentVersion ?? null,
    consentAt: seed.consentAt ?? null, reason: seed.reason ?? 'site_budget', receivedAt: seed.receivedAt ?? new Date(),
  }]);
  return { filteredInquiryId };
}

export interface ReminderSeed {
  leadId: string;
  userId: string;
  /** Default a day from now. */
  reminderDate?: TestTime;
  /** Default `Call`. */
  message?: string;
  kind?: ReminderKind;
  status?: ReminderStatus;
  firedAt?: TestTime | null;
  completedAt?: TestTime | null;
  /** The automatic rule (`kind` auto); default null. */
  autoRule?: ReminderAutoRule | null;
  /** Default now(). */
  createdAt?: TestTime;
}

/** Inserts a follow-up reminder (no BullMQ job: the sweeper, or the test, decides what fires). */
export async function makeReminder(server: OrmTarget, seed: ReminderSeed): Promise<{ reminderId: string }> {
  const reminderId = randomUUID();
  await insertRows(server, FollowUpReminderSchema, [{
    reminderId, lead: seed.leadId, user: seed.userId, reminderDate: seed.reminderDate ?? new Date(Date.now() + DAY_MS),
    reminderMessage: seed.message ?? 'Call', kind: seed.kind ?? 'manual', status: seed.status ?? 'pending',
    firedAt: seed.firedAt ?? null, completedAt: seed.completedAt ?? null, autoRule: seed.autoRule ?? null,
    ...(seed.createdAt !== undefined ? { createdAt: seed.createdAt } : {}),
  }]);
  return { reminderId };
}

// ── Webhooks ──────────────────────────────────────────────────────────────────────────────────

export interface WebhookEndpointSeed {
  userId: string;
  url: string;
  description?: string | null;
  /** null (default): every event type. */
  eventTypes?: string[] | null;
  enabled?: boolean;
  disabledReason?: string | null;
  /** Default a fresh `whsec_` secret. */
  secret?: string;
}

/** Inserts a webhook endpoint; returns its id and its signing secret. */
export async function makeWebhookEndpoint(server: OrmTarget, seed: WebhookEndpointSeed): Promise<{ endpointId: string; secret: string }> {
  const endpointId = randomUUID();
  const secret = seed.secret ?? `whsec_${randomBytes(24).toString('base64')}`;
  await insertRows(server, WebhookEndpointSchema, [{
    endpointId, user: seed.userId, url: seed.url, description: seed.description ?? null, secret, eventTypes: seed.eventTypes ?? null,
    enabled: seed.enabled ?? true, disabledReason: seed.disabledReason ?? null,
  }]);
  return { endpointId, secret };
}

/** Inserts a webhook message (`msg_…`) with its payload, as an outbox write would have. */
export async function makeWebhookMessage(server: OrmTarget, seed: { userId: string; leadId?: string | null; eventType: string; payload: Record<string, unknown> }): Promise<{ messageId: string }> {
  const messageId = `msg_${randomBytes(18).toString('base64url')}`;
  await insertRows(server, WebhookMessageSchema, [{ messageId, user: seed.userId, lead: seed.leadId ?? null, eventType: seed.eventType, payload: seed.payload }]);
  return { messageId };
}

// ── Activities ────────────────────────────────────────────────────────────────────────────────

export interface ActivitySeed {
  leadId: string;
  /** The owning account (`user_id`). */
  userId: string;
  /** Who did it; default `userId`; null: the system. */
  actorUserId?: string | null;
  /** Default `call`. */
  type?: ActivityType;
  outcome?: string | null;
  body?: string | null;
  meta?: Record<string, string | number | boolean | null> | null;
  /** Default now(). */
  occurredAt?: TestTime;
}

/** Inserts `lead_activities` rows as the API or a recorded change would have (no contact-time update: a test states those). */
export async function makeActivities(server: OrmTarget, seeds: ActivitySeed[]): Promise<string[]> {
  return insertSeeds(server, LeadActivitySchema, 'activityId', seeds, (s) => ({
    activityId: randomUUID(), user: s.userId, lead: s.leadId, actor: s.actorUserId === undefined ? s.userId : s.actorUserId, type: s.type ?? 'call',
    outcome: s.outcome ?? null, body: s.body ?? null, meta: s.meta ?? null, occurredAt: s.occurredAt ?? new Date(),
  }));
}

export async function makeActivity(server: OrmTarget, seed: ActivitySeed): Promise<{ activityId: string }> {
  const [activityId] = await makeActivities(server, [seed]);
  return { activityId };
}

/**
 * A realtor with a busy Today (signed up over HTTP as "Dana Realtor"): "Jordan Avery" (a lead to
 * hang reminders on), `uncontacted` more leads "Waiting Lead 1…n" nobody has contacted, and
 * `showings` leads "Showing Lead 1…n" with a showing logged today at "n Linden Avenue" (with a
 * phone each unless `showingPhones` is false: a row without one has no Call and Text buttons).
 */
export async function makeBusyRealtor(
  server: FactoryTarget,
  { uncontacted, showings, showingPhones = true }: { uncontacted: number; showings: number; showingPhones?: boolean },
): Promise<{ realtor: ApiClient; userId: string; reminderLeadId: string }> {
  const realtor = new ApiClient(server.url);
  const { userId } = await realtor.signUp({ username: 'Dana Realtor' });
  const reminderLeadId = (await realtor.post('/v1/leads', { name: 'Jordan Avery', email: 'jordan@example.com', phone: '+1 415 555 0100' })).body.leadId;
  for (let i = 1; i <= uncontacted; i++) {
    await realtor.post('/v1/leads', { name: `Waiting Lead ${i}`, email: `waiting${i}@example.com`, phone: `+1 415 555 01${String(i).padStart(2, '0')}` });
  }
  for (let i = 1; i <= showings; i++) {
    const phone = showingPhones ? { phone: `+1 415 555 02${String(i).padStart(2, '0')}` } : {};
    const { leadId } = (await realtor.post('/v1/leads', { name: `Showing Lead ${i}`, email: `showing${i}@example.com`, ...phone })).body;
    await makeActivity(server, { userId, leadId, type: 'showing', occurredAt: new Date(), body: `${i} Linden Avenue` });
  }
  return { realtor, userId, reminderLeadId };
}

export interface ListingSeed {
  userId: string;
  siteId: string;
  listingRef: string;
  title?: string | null;
  url?: string | null;
  imageUrl?: string | null;
}

/** Inserts a listing (what the listings capture records from a page's title). */
export async function makeListing(server: OrmTarget, seed: ListingSeed): Promise<{ listingId: string }> {
  const listingId = randomUUID();
  const now = new Date();
  await insertRows(server, ListingSchema, [{
    listingId, user: seed.userId, site: seed.siteId, listingRef: seed.listingRef, title: seed.title ?? null, url: seed.url ?? null,
    imageUrl: seed.imageUrl ?? null, firstSeenAt: now, lastSeenAt: now,
  }]);
  return { listingId };
}

// ── Pipeline ──────────────────────────────────────────────────────────────────────────────────

export interface StageSeed {
  userId: string;
  /** Default a unique `stage_…` key. */
  key?: string;
  /** Default the key. */
  label?: string;
  position: number;
  /** Default `open`. */
  outcome?: StageOutcome;
}

/**
 * Inserts a pipeline stage beside the realtor's defaults (which sign-up creates); for a stage set
 * the API would not make in one step, such as several stages of one outcome at chosen positions.
 */
export async function makeStage(server: OrmTarget, seed: StageSeed): Promise<{ stageId: string }> {
  const stageId = randomUUID();
  const key = seed.key ?? `stage_${shortId()}`;
  await insertRows(server, PipelineStageSchema, [{ stageId, user: seed.userId, key, label: seed.label ?? key, position: seed.position, outcome: seed.outcome ?? 'open' }]);
  return { stageId };
}
