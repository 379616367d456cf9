// The admin's only door to the API. It keeps the session (user + CSRF token), adds the
// x-csrf-token header to writes, refreshes a stale token once, turns error bodies into ApiError
// and, after a 401 that a fresh look at the session (GET /v1/auth/me) confirms, hands it to the
// app (which sends the user to /login and back afterwards).
// Types come from core's zod schemas with `import type`, so nothing from the server is bundled.
import { useEffect, useState } from 'preact/hooks';
import type { z } from 'zod';
import type { ZLoginBody, ZSignupBody, ZUserJson } from '../core/accounts/account-schemas.ts';
import type { LeadStatus, ScoreBand, ScoreBreakdown, ScoreSignal } from '../core/leads/lead.entity.ts';
import type { ZAnalyticsSummary, ZLeadAnalytics } from '../core/analytics/analytics-schemas.ts';
import type { ZAddInquiryBody, ZInquiryJson } from '../core/inquiries/lead-inquiry-schemas.ts';
import type { ZCreateLeadBody, ZLeadJson, ZTimelineItem, ZUpdateLeadBody } from '../core/leads/lead-schemas.ts';
import type { ScoringRulesConfig } from '../core/scoring/scoring-rules.ts';
import type { ZRescoreProgress, ZScoringPreview, ZScoringRulesDoc } from '../core/scoring/scoring-rules-schemas.ts';
import type { ZCreateSiteBody, ZSiteJson, ZUpdateSiteBody } from '../core/sites/site-schemas.ts';
import type {
  ZCreateWebhookEndpointBody, ZUpdateWebhookEndpointBody, ZWebhookDeliveryDetailJson, ZWebhookDeliveryJson, ZWebhookEndpointJson, ZWebhookEventTypeJson,
  ZWebhookSecretJson,
} from '../core/webhooks/webhook-schemas.ts';
import type { ZNotificationPreferences, ZNotificationPreferencesPatch } from '../core/email/notification-preferences-schemas.ts';
import type { ZActivityJson, ZCreateActivityBody, ZUpdateActivityBody } from '../core/activities/activity-schemas.ts';
import { browserTimeZone } from './format.ts';

export type User = z.output<typeof ZUserJson>;
export type Site = z.output<typeof ZSiteJson>;
export type SignupInput = z.input<typeof ZSignupBody>;
export type LoginInput = z.input<typeof ZLoginBody>;
export type CreateSiteInput = z.input<typeof ZCreateSiteBody>;
export type UpdateSiteInput = z.input<typeof ZUpdateSiteBody>;

/** Every list endpoint answers one page of items and the cursor of the next (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** One field's problem in a `validation_failed` answer; `path` is dotted ("allowedOrigins.0"). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** A non-2xx answer (or no answer at all: status 0, code `network_error`). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** Seconds from the Retry-After header of a 429, else null. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, details?: unknown, retryAfterSeconds: number | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The `{path, message}` details of a validation failure ([] for other errors). */
  get fieldIssues(): FieldIssue[] {
    if (!Array.isArray(this.details)) return [];
    return this.details.filter(
      (d): d is FieldIssue => typeof d === 'object' && d !== null && typeof d.path === 'string' && typeof d.message === 'string',
    );
  }
}

/** A user-facing sentence for any error thrown by the client (or anything else). */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'rate_limited' && err.retryAfterSeconds) return `Too many attempts, try again in ${err.retryAfterSeconds} seconds`;
    return err.message;
  }
  return 'Something went wrong. Please try again.';
}

// ---- session -------------------------------------------------------------------------------

export interface Session {
  user: User;
  /** Null when the API authenticated us without a cookie (never the case in the browser). */
  csrfToken: string | null;
  /** From GET /v1/auth/me: whether the server can send email (false: written to its log). */
  mailer?: { configured: boolean };
  /** From GET /v1/auth/me: DEFAULT_PHONE_COUNTRY, whose numbers show in national format. */
  phoneCountry?: string;
  /** From GET /v1/auth/me: the person's time zone (Settings), whose days Analytics counts. */
  timeZone?: string;
}

let session: Session | null = null;
const sessionListeners = new Set<(s: Session | null) => void>();

function setSession(next: Session | null): void {
  session = next;
  for (const fn of sessionListeners) fn(next);
}

export function getSession(): Session | null {
  return session;
}

/**
 * Makes `csrfToken` the one writes send from now on: the API rotated the current session (a
 * password change answers the new session's token; the old one no longer works).
 */
export function adoptCsrfToken(csrfToken: string): void {
  if (session) setSession({ ...session, csrfToken });
}

/** The signed-in user; re-renders on login/logout. */
export function useSession(): Session | null {
  const [value, setValue] = useState(session);
  useEffect(() => {
    setValue(session);
    sessionListeners.add(setValue);
    return () => {
      sessionListeners.delete(setValue);
    };
  }, []);
  return value;
}

let unauthorizedHandler: () => void = () => undefined;

/** Called after a 401 on a request that needed a session (the app sends the user to /login). */
export function setUnauthorizedHandler(fn: () => void): void {
  unauthorizedHandler = fn;
}

// ---- requests ------------------------------------------------------------------------------

export interface RequestOptions {
  /** Appended as a query string; undefined/null values are left out. */
  query?: Record<string, string | number | boolean | null | undefined>;
  signal?: AbortSignal;
  /** Let a 401 surface as an ApiError instead of sending the user to /login. Default false. */
  allowUnauthorized?: boolean;
  /** Ask for an answer computed now, not one the API cached (`Cache-Control: no-cache`; the analytics). */
  fresh?: boolean;
  /** The CSRF token to send on a write instead of the current session's (one not made current yet). */
  csrfToken?: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

function buildUrl(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

async function toApiError(res: Response): Promise<ApiError> {
  const retryAfter = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not JSON (a proxy's HTML page): fall through to a generic message
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${res.status}`;
  const message = typeof error?.message === 'string' ? error.message : `The server answered ${res.status} ${res.statusText}`.trim();
  let retryAfterSeconds = Number.isFinite(retryAfter) ? retryAfter : null;
  const detailSeconds = (error?.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
  if (retryAfterSeconds === null && typeof detailSeconds === 'number') retryAfterSeconds = detailSeconds;
  return new ApiError(res.status, code, message, error?.details, retryAfterSeconds);
}

/** One HTTP call to the API. Resolves with the parsed JSON (undefined for 204), rejects with ApiError. */
export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrfToken = opts.csrfToken ?? session?.csrfToken;
  // Who the request went as: a 401 or a stale token is worth one more try only for the same user.
  const sentAs = session?.user.userId;
  if (!SAFE_METHODS.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (opts.fresh) headers['cache-control'] = 'no-cache';
  let res: Response;
  try {
    res = await fetch(buildUrl(path, opts.query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }
  if (res.ok) {
    if (res.status === 204) return undefined as T;
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? await res.json() : await res.text()) as T;
  }
  const err = await toApiError(res);
  if (err.status === 401 && err.code === 'unauthorized' && !opts.allowUnauthorized) {
    // The cookie this request went with may have been replaced while it was on its way (a password
    // change rotates the session: the old cookie dies at once, the browser already holds the new
    // one). Ask the session once and, still signed in, send it again — once, with the current CSRF
    // token (an explicit `csrfToken` belonged to the session the 401 refused).
    // (No session held: the app already knows it is signed out, and the 401s that follow a
    // confirmed sign-out go to /login without asking again.)
    // Signed in as someone else by now (signed out and in again in another tab): never send this
    // tab's request again under that account — the page reloads as the user the browser now holds.
    if (!retried && session && (await stillSignedIn())) {
      if (sameUser(sentAs)) return request<T>(method, path, body, { ...opts, csrfToken: undefined }, true);
      accountSwitched();
      throw err;
    }
    // The retry was refused too, or /v1/auth/me says signed out (stillSignedIn has then cleared the session).
    if (session) setSession(null);
    unauthorizedHandler();
  } else if (err.status === 403 && err.code === 'csrf_failed' && !retried) {
    // The session outlived the token we hold (e.g. logged in again in another tab): fetch a fresh one once.
    await refreshSession();
    if (session && sameUser(sentAs)) return request<T>(method, path, body, opts, true);
    if (session) accountSwitched();
  }
  throw err;
}

/** Whether the session now held is the user a request was sent as (a request sent signed out: any). */
function sameUser(sentAs: string | undefined): boolean {
  return sentAs === undefined || getSession()?.user.userId === sentAs;
}

/** The browser is signed in as another user than the page shows: start again as that user. */
function accountSwitched(): void {
  window.location.reload();
}

/** The session check the 401s of the moment share (null when none is running). */
let sessionCheck: Promise<boolean> | null = null;

/**
 * Whether the browser is still signed in after a 401: one GET /v1/auth/me, shared by every 401
 * that arrives while it runs (the polls of a page all refused together make one check, not one
 * each). A check that cannot reach the server counts as signed out only when the API said so:
 * its error (network, 5xx) is thrown to the caller instead of sending the realtor to /login.
 */
function stillSignedIn(): Promise<boolean> {
  sessionCheck ??= refreshSession()
    .then((s) => s !== null)
    .finally(() => {
      sessionCheck = null;
    });
  return sessionCheck;
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body, opts),
  put: <T>(path: string, body: unknown, opts?: RequestOptions) => request<T>('PUT', path, body, opts),
  patch: <T>(path: string, body: unknown, opts?: RequestOptions) => request<T>('PATCH', path, body, opts),
  delete: <T = void>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, undefined, opts),
};

// ---- accounts ------------------------------------------------------------------------------

/** Loads the current session (null when logged out). Never redirects. */
export async function refreshSession(): Promise<Session | null> {
  try {
    const answer = await api.get<Session>('/v1/auth/me', { allowUnauthorized: true });
    setSession(answer);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) setSession(null);
    else throw err;
  }
  return session;
}

export async function logIn(input: LoginInput): Promise<Session> {
  const answer = await api.post<Session>('/v1/auth/login', input, { allowUnauthorized: true });
  setSession(answer);
  return answer;
}

/**
 * Signs up and logs in; null when the server answered "check your email" (202): the address
 * already has an account, and the server does not say so (its owner gets an email instead).
 */
export async function signUp(input: SignupInput): Promise<Session | null> {
  const answer = await api.post<Session | { status: 'check_email' }>('/v1/auth/signup', input, { allowUnauthorized: true });
  if ('status' in answer) return null;
  await adoptBrowserTimeZone(answer.csrfToken);
  setSession(answer);
  // The signup answer does not carry the mailer flag: load it for the banner.
  await refreshSession().catch(() => undefined);
  return answer;
}

/**
 * A new account's settings start in America/New_York (the server's default), which puts Today's
 * date, "Snooze until tomorrow 9:00" and the alert times hours off for a realtor anywhere else who
 * never opens Settings: the first session of a new account sets the browser's zone instead —
 * before that session becomes the current one, so the first page (Today) already reads it. Best
 * effort: should it fail, the default stays and Settings can change it.
 */
async function adoptBrowserTimeZone(csrfToken: string | null): Promise<void> {
  const timeZone = browserTimeZone();
  if (!timeZone || !csrfToken) return;
  const patch: NotificationPreferencesPatch = { timeZone };
  await api.patch('/v1/notification-preferences', patch, { csrfToken, allowUnauthorized: true }).catch(() => undefined);
}

// ---- account emails and alert settings -----------------------------------------------------

export type NotificationPreferences = z.output<typeof ZNotificationPreferences>;
export type NotificationPreferencesPatch = z.input<typeof ZNotificationPreferencesPatch>;

export const accountEmailApi = {
  /**
   * Spends a verification link. With SIGNUP_VERIFY_FIRST the link that confirms the address also
   * logs in: the answer then carries the session, which becomes the current one (`loggedIn`); that
   * link also takes the password chosen at signup (`password_required` / `wrong_password` without it).
   */
  verify: async (token: string, password?: string): Promise<{ loggedIn: boolean }> => {
    const body = password === undefined ? { token } : { token, password };
    const answer = await api.post<{ emailVerified: true } & Partial<Session>>('/v1/auth/verify-email', body, { allowUnauthorized: true });
    if (!answer.user || answer.csrfToken === undefined) return { loggedIn: false };
    // With SIGNUP_VERIFY_FIRST this is the new account's first session.
    await adoptBrowserTimeZone(answer.csrfToken);
    setSession({ user: answer.user, csrfToken: answer.csrfToken });
    // The answer does not carry the mailer flag: load it for the banner.
    await refreshSession().catch(() => undefined);
    return { loggedIn: true };
  },
  resend: () => api.post<{ emailVerified: boolean }>('/v1/auth/verify-email/resend'),
  forgotPassword: (email: string) => api.post<{ message: string }>('/v1/auth/forgot-password', { email }, { allowUnauthorized: true }),
  resetPassword: (token: string, password: string) => api.post<void>('/v1/auth/reset-password', { token, password }, { allowUnauthorized: true }),
};

export const notificationsApi = {
  get: (opts?: RequestOptions) => api.get<NotificationPreferences>('/v1/notification-preferences', opts),
  /** Saves; a new time zone becomes the session's at once, so Analytics counts its days from then on. */
  update: async (patch: NotificationPreferencesPatch) => {
    const stored = await api.patch<NotificationPreferences>('/v1/notification-preferences', patch);
    if (session && session.timeZone !== stored.timeZone) setSession({ ...session, timeZone: stored.timeZone });
    return stored;
  },
};

/** Ends the session on the server; the local session is cleared even if that call fails. */
export async function logOut(): Promise<void> {
  try {
    await api.post<void>('/v1/auth/logout', undefined, { allowUnauthorized: true });
  } finally {
    setSession(null);
  }
}

// ---- sites ---------------------------------------------------------------------------------

const sitePath = (id: string) => `/v1/sites/${encodeURIComponent(id)}`;

export const sitesApi = {
  list: (opts?: RequestOptions) => api.get<Page<Site>>('/v1/sites', opts),
  get: (id: string, opts?: RequestOptions) => api.get<Site>(sitePath(id), opts),
  create: (input: CreateSiteInput) => api.post<Site>('/v1/sites', input),
  update: (id: string, input: UpdateSiteInput) => api.patch<Site>(sitePath(id), input),
  remove: (id: string) => api.delete(sitePath(id)),
};

// ---- leads ---------------------------------------------------------------------------------

export type { LeadStatus, ScoreBand, ScoreBreakdown, ScoreSignal };

/** A lead as `GET /v1/leads/:id` answers it. Every string in it may come from a stranger: render as text. */
export type Lead = z.output<typeof ZLeadJson>;

/** `*_asc`: lowest score / oldest first (the same indexes read backwards). */
export type LeadSort = 'score' | 'last_activity' | 'created' | 'score_asc' | 'created_asc';

/** The dashboard's filters; each maps to the query parameter of the same name. */
export interface LeadFilters {
  band?: ScoreBand;
  status?: LeadStatus;
  /** A site id. */
  site?: string;
  /** Matches name, email or phone. */
  q?: string;
  /** Default `score`. */
  sort?: LeadSort;
  /** The leads one CSV import created (docs/import.md). */
  importId?: string;
}

export type CreateLeadInput = z.input<typeof ZCreateLeadBody>;
/** An absent key is left alone; null clears a contact field. */
export type UpdateLeadInput = z.input<typeof ZUpdateLeadBody>;

/** One entry of a lead's timeline: an analytics event or an inquiry (fields that do not apply are null). */
export type TimelineItem = z.output<typeof ZTimelineItem>;

/** An inquiry as the API answers it (`source`: widget, manual or api). */
export type Inquiry = z.output<typeof ZInquiryJson>;
export type AddInquiryInput = z.input<typeof ZAddInquiryBody>;

const leadPath = (id: string) => `/v1/leads/${encodeURIComponent(id)}`;

/** Filters as query parameters, leaving out empty ones. */
export function leadQuery(filters: LeadFilters): Record<string, string | undefined> {
  return {
    band: filters.band || undefined,
    status: filters.status || undefined,
    site: filters.site || undefined,
    q: filters.q?.trim() || undefined,
    sort: filters.sort && filters.sort !== 'score' ? filters.sort : undefined,
    importId: filters.importId || undefined,
  };
}

/** The admin's leads list showing `filters` ("/leads?band=hot&q=oak"). */
export function leadsPath(filters: LeadFilters): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(leadQuery(filters))) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `/leads?${qs}` : '/leads';
}

export const LEADS_PAGE_SIZE = 50;

export const leadsApi = {
  list: (filters: LeadFilters, cursor: string | null, opts?: RequestOptions) =>
    api.get<Page<Lead>>('/v1/leads', { ...opts, query: { ...leadQuery(filters), cursor: cursor ?? undefined, limit: LEADS_PAGE_SIZE } }),
  get: (id: string, opts?: RequestOptions) => api.get<Lead>(leadPath(id), opts),
  create: (input: CreateLeadInput) => api.post<Lead>('/v1/leads', input),
  update: (id: string, input: UpdateLeadInput) => api.patch<Lead>(leadPath(id), input),
  remove: (id: string) => api.delete(leadPath(id)),
  timeline: (id: string, cursor: string | null, opts?: RequestOptions) =>
    api.get<Page<TimelineItem>>(`${leadPath(id)}/timeline`, { ...opts, query: { cursor: cursor ?? undefined, limit: 25 } }),
  inquiries: (id: string, opts?: RequestOptions) => api.get<Page<Inquiry>>(`${leadPath(id)}/inquiries`, opts),
  addInquiry: (id: string, input: AddInquiryInput) => api.post<Inquiry>(`${leadPath(id)}/inquiries`, input),
  /** A plain link for the browser to download (the session cookie goes with it). */
  exportCsvHref: (filters: LeadFilters) => buildUrl('/v1/leads/export.csv', leadQuery(filters)),
};

// ---- scoring rules -------------------------------------------------------------------------

export type { ScoringRulesConfig };

/** Progress of the background rescore that a rules change starts (finishedAt null while it runs). */
export type RescoreProgress = z.output<typeof ZRescoreProgress>;
/** The current rules; version 0 = the built-in defaults (nothing saved yet). */
export type ScoringRulesDoc = z.output<typeof ZScoringRulesDoc>;
/** How many sampled leads would change band, by transition ("warm→hot" → n). */
export type ScoringPreview = z.output<typeof ZScoringPreview>;

export const scoringApi = {
  get: (opts?: RequestOptions) => api.get<ScoringRulesDoc>('/v1/scoring-rules', opts),
  save: (rules: ScoringRulesConfig) => api.put<ScoringRulesDoc>('/v1/scoring-rules', { rules }),
  preview: (rules: ScoringRulesConfig) => api.post<ScoringPreview>('/v1/scoring-rules/preview', { rules }),
  rescore: (opts?: RequestOptions) => api.get<RescoreProgress>('/v1/scoring-rules/rescore', opts),
};

// ---- analytics -----------------------------------------------------------------------------

export type AnalyticsSummary = z.output<typeof ZAnalyticsSummary>;
export type LeadAnalytics = z.output<typeof ZLeadAnalytics>;

export interface AnalyticsQuery {
  /** YYYY-MM-DD (a day of `tz`), inclusive. */
  from: string;
  /** YYYY-MM-DD (a day of `tz`), inclusive. */
  to: string;
  site?: string;
  /** The IANA time zone whose days are counted (UTC when absent). */
  tz?: string;
}

const analyticsQuery = (q: AnalyticsQuery) => ({ from: q.from, to: q.to, site: q.site || undefined, tz: q.tz || undefined });

export const analyticsApi = {
  summary: (q: AnalyticsQuery, opts?: RequestOptions) => api.get<AnalyticsSummary>('/v1/analytics/summary', { ...opts, query: analyticsQuery(q) }),
  leads: (q: AnalyticsQuery, opts?: RequestOptions) => api.get<LeadAnalytics>('/v1/analytics/leads', { ...opts, query: analyticsQuery(q) }),
};

// ---- webhooks ------------------------------------------------------------------------------

export type WebhookEndpoint = z.output<typeof ZWebhookEndpointJson>;
export type WebhookDelivery = z.output<typeof ZWebhookDeliveryJson>;
export type WebhookDeliveryDetail = z.output<typeof ZWebhookDeliveryDetailJson>;
export type WebhookEventTypeInfo = z.output<typeof ZWebhookEventTypeJson>;
export type CreateWebhookEndpointInput = z.input<typeof ZCreateWebhookEndpointBody>;
export type UpdateWebhookEndpointInput = z.input<typeof ZUpdateWebhookEndpointBody>;
export type WebhookSecret = z.output<typeof ZWebhookSecretJson>;

const endpointPath = (id: string) => `/v1/webhook-endpoints/${encodeURIComponent(id)}`;

/** Fired after an endpoint is enabled, disabled or deleted, so the disabled-endpoint notice follows at once. */
export const WEBHOOKS_CHANGED_EVENT = 'porchlight:webhooks-changed';

function announceWebhooks<T>(result: T): T {
  window.dispatchEvent(new Event(WEBHOOKS_CHANGED_EVENT));
  return result;
}

export const webhooksApi = {
  eventTypes: (opts?: RequestOptions) => api.get<Page<WebhookEventTypeInfo>>('/v1/webhook-event-types', opts),
  list: (opts?: RequestOptions) => api.get<Page<WebhookEndpoint>>('/v1/webhook-endpoints', opts),
  get: (id: string, opts?: RequestOptions) => api.get<WebhookEndpoint>(endpointPath(id), opts),
  create: (input: CreateWebhookEndpointInput) => api.post<WebhookEndpoint & { secret: string }>('/v1/webhook-endpoints', input),
  update: async (id: string, input: UpdateWebhookEndpointInput) => {
    const endpoint = await api.patch<WebhookEndpoint>(endpointPath(id), input);
    return 'enabled' in input ? announceWebhooks(endpoint) : endpoint;
  },
  remove: async (id: string) => announceWebhooks(await api.delete(endpointPath(id))),
  enable: async (id: string) => announceWebhooks(await api.post<WebhookEndpoint>(`${endpointPath(id)}/enable`)),
  secret: (id: string) => api.get<WebhookSecret>(`${endpointPath(id)}/secret`),
  rotateSecret: (id: string) => api.post<WebhookSecret>(`${endpointPath(id)}/rotate-secret`),
  sendTest: (id: string) => api.post<{ messageId: string; deliveryId: string }>(`${endpointPath(id)}/test`),
  recover: (id: string, since: string) => api.post<{ recovered: number }>(`${endpointPath(id)}/recover`, { since }),
  deliveries: (id: string, query: { status?: string; type?: string; cursor?: string }, opts?: RequestOptions) =>
    api.get<Page<WebhookDelivery>>(`${endpointPath(id)}/deliveries`, { ...opts, query }),
  delivery: (id: string, opts?: RequestOptions) => api.get<WebhookDeliveryDetail>(`/v1/webhook-deliveries/${encodeURIComponent(id)}`, opts),
  resend: (id: string) => api.post<{ deliveryId: string }>(`/v1/webhook-deliveries/${encodeURIComponent(id)}/resend`),
};

// ---- activities ----------------------------------------------------------------------------

/** A call, text, email, note, meeting or showing logged on a lead, or a change recorded on someone's behalf. */
export type Activity = z.output<typeof ZActivityJson>;
export type LogActivityInput = z.input<typeof ZCreateActivityBody>;
export type UpdateActivityInput = z.input<typeof ZUpdateActivityBody>;

export const activitiesApi = {
  list: (leadId: string, cursor: string | null, opts?: RequestOptions) =>
    api.get<Page<Activity>>(`${leadPath(leadId)}/activities`, { ...opts, query: { cursor: cursor ?? undefined } }),
  log: (leadId: string, input: LogActivityInput) => api.post<Activity>(`${leadPath(leadId)}/activities`, input),
  update: (activityId: string, input: UpdateActivityInput) => api.patch<Activity>(`/v1/activities/${encodeURIComponent(activityId)}`, input),
  remove: (activityId: string) => api.delete(`/v1/activities/${encodeURIComponent(activityId)}`),
};
