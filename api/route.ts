import type Router from '@koa/router';
import type { Next } from 'koa';
import { z } from 'zod';
import { AppError } from '#core/errors.ts';
import type { Tenant } from '#core/accounts/tenant.ts';
import { authenticateRealtor } from './middleware/auth.ts';
import { readJsonBody } from './middleware/body.ts';
import type { AppContext } from './middleware/context.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What every handler receives: the parsed input and the request's one clock reading. */
export interface RouteInput<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  body: B extends z.ZodType ? z.output<B> : undefined;
  query: Q extends z.ZodType ? z.output<Q> : undefined;
  params: Record<string, string>;
  /** `deps.now()` (tests) or the wall clock, read once per request. */
  now: Date;
}

interface RouteSpecBase<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> {
  method: Method;
  /** Koa path, e.g. `/v1/sites/:id`. `:id`-style params named `id` or ending in `Id` must be UUIDs. */
  path: string;
  summary: string;
  tag: string;
  body?: B;
  query?: Q;
  /** Widget endpoints accept text/plain JSON too. */
  allowTextPlain?: boolean;
  bodyLimitBytes?: number;
  /** Status → description and optional response schema, for the OpenAPI document. */
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  /** Extra middleware run before authentication and parsing (rate limits, CORS). */
  before?: Array<(ctx: AppContext, next: Next) => Promise<unknown>>;
}

/** Session cookie (+CSRF on writes) or API key; the handler gets the authenticated tenant. */
export interface RealtorRouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> extends RouteSpecBase<B, Q> {
  auth: 'realtor';
  /**
   * A read-only GET whose 200 answer may be served from the tenant's answer cache for up to
   * ANALYTICS_CACHE_SECONDS (api/answer-cache.ts; `Age` header; `Cache-Control: no-cache` computes afresh).
   */
  cached?: boolean;
  /**
   * A GET whose answer is a credential (a webhook signing secret): a read-only API key gets 403,
   * as on a write (a session or a read_write key passes; api/middleware/auth.ts).
   */
  credential?: boolean;
  /**
   * Only the signed-in person, in their browser session: an API key gets 403 `forbidden` (Account
   * settings — the password, the sign-in email, the sessions — are not for integrations; nor is
   * managing API keys). `true`, or the 403's message (default: the account settings one).
   */
  sessionOnly?: boolean | string;
  handler: (ctx: AppContext, input: RouteInput<B, Q> & { tenant: Tenant }) => Promise<void> | void;
}

/** No authentication (widget ingest, signup, login, health, static files). */
export interface PublicRouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> extends RouteSpecBase<B, Q> {
  auth: 'public';
  handler: (ctx: AppContext, input: RouteInput<B, Q>) => Promise<void> | void;
}

export type RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined> = RealtorRouteSpec<B, Q> | PublicRouteSpec<B, Q>;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a write route without a body spec accepts: nothing, or `{}` (the admin sends one). */
const NO_BODY = z.strictObject({});
const NO_BODY_LIMIT_BYTES = 1024;

/**
 * A write route without a body spec (complete, dismiss, rotate-secret, enable, test…) refuses a
 * JSON body that says something — `{"zzTypo":1}` is a 400 naming the key, as on every route that
 * has a body (docs/api-leads.md, Conventions): it was ignored and the action ran. No body, or `{}`,
 * is fine; so is any GET or HEAD, and a body that is not JSON (a mail client's one-click
 * unsubscribe POSTs `List-Unsubscribe=One-Click` as a form, RFC 8058).
 */
async function refuseBody(ctx: AppContext): Promise<undefined> {
  if (ctx.method === 'GET' || ctx.method === 'HEAD') return undefined;
  if (!Number(ctx.get('content-length') || 0) && !ctx.get('transfer-encoding')) return undefined;
  if (!ctx.is('application/json')) return undefined;
  NO_BODY.parse(await readJsonBody(ctx, { limitBytes: NO_BODY_LIMIT_BYTES }));
  return undefined;
}

/** Collects route specs; mounts them on a Koa router and describes them as OpenAPI 3.1. */
export class RouteRegistry {
  readonly specs: RouteSpec<z.ZodType | undefined, z.ZodType | undefined>[] = [];

  add<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(spec: RouteSpec<B, Q>): void {
    this.specs.push(spec as unknown as RouteSpec<z.ZodType | undefined, z.ZodType | undefined>);
  }

  mount(router: Router): void {
    for (const spec of this.specs) router[spec.method](spec.path, ...(routeMiddleware(spec) as never[]));
  }

  /** The OpenAPI document, generated from the same zod schemas that validate requests. */
  /** `sessionCookie`: the cookie name this deployment uses (`__Host-pl_session` on https, see api/middleware/auth.ts). */
  openapi(publicUrl: string, sessionCookie = 'pl_session'): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const jsonSchema = (s: z.ZodType, io: 'input' | 'output') => z.toJSONSchema(s, { io, unrepresentable: 'any' });
    for (const spec of this.specs) {
      const path = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
      const params = [...spec.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      const query = spec.query ? jsonSchema(spec.query, 'input') : undefined;
      // A deprecated filter (`.meta({ deprecated: true })`) is marked on its Parameter Object too:
      // that is where OpenAPI 3 clients and generators look, not inside its schema.
      const queryParams = query && typeof query.properties === 'object'
        ? Object.entries(query.properties as Record<string, { deprecated?: unknown }>).map(([name, schema]) => ({
          name, in: 'query', required: ((query.required as string[] | undefined) ?? []).includes(name), ...(schema.deprecated === true ? { deprecated: true } : {}), schema,
        }))
        : [];
      paths[path] ??= {};
      paths[path][spec.method] = {
        summary: spec.summary,
        tags: [spec.tag],
        security: spec.auth === 'realtor' ? (spec.sessionOnly ? [{ session: [] }] : [{ session: [] }, { bearer: [] }]) : [],
        parameters: [...params, ...queryParams],
        ...(spec.body
          ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') }, ...(spec.allowTextPlain ? { 'text/plain': { schema: jsonSchema(spec.body, 'input') } } : {}) } } }
          : {}),
        responses: Object.fromEntries(
          Object.entries(documentedResponses(spec)).map(([status, r]) => [
            status,
            { description: r.description, ...(r.schema ? { content: { 'application/json': { schema: jsonSchema(r.schema, 'output') } } } : {}) },
          ]),
        ),
      };
    }
    return {
      openapi: '3.1.0',
      info: { title: 'Porchlight API', version: '1', description: 'Errors are `{ "error": { "code", "message", "details"? } }`. Lists are `{ items, nextCursor }`.' },
      servers: [{ url: publicUrl }],
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: sessionCookie, description: 'Writes also need the x-csrf-token header. The cookie is `__Host-pl_session` on https deployments, `pl_session` otherwise.' },
          bearer: { type: 'http', scheme: 'bearer', description: 'An API key (plk_…).' },
        },
      },
      paths,
    };
  }
}

/**
 * A route's responses for the OpenAPI document: its own, plus the answers routeMiddleware gives
 * every route of its kind whether or not the spec lists them — 400 where there is input to
 * validate, 401 where a realtor must be signed in, 403 where the auth gate refuses an API key
 * (session-only routes), a read-only key (writes, credentials) or a cookie write without its CSRF
 * header — so generated clients know of them. A route's own description wins for 400 and 401; its
 * own 403 (another reason, such as another person's entry) is added to the generic one.
 */
function documentedResponses(spec: RouteSpec<z.ZodType | undefined, z.ZodType | undefined>): RouteSpecBase<z.ZodType | undefined, z.ZodType | undefined>['responses'] {
  const generic: RouteSpecBase<z.ZodType | undefined, z.ZodType | undefined>['responses'] = {};
  if (spec.body || spec.query) generic[400] = { description: '`validation_failed` (details name each issue path), or a body that is not JSON' };
  if (spec.auth !== 'realtor') return { ...generic, ...spec.responses };
  generic[401] = { description: spec.sessionOnly ? '`unauthorized`: no valid session' : '`unauthorized`: no valid session or API key' };
  const write = spec.method !== 'get';
  const forbidden = [
    spec.sessionOnly ? '`forbidden`: an API key cannot use this route (the signed-in person only)' : '',
    !spec.sessionOnly && write ? '`forbidden`: a read-only API key ("This API key is read-only")' : '',
    !spec.sessionOnly && !write && spec.credential ? '`forbidden`: a read-only API key (this answer is a credential)' : '',
    write ? '`csrf_failed`: a session write without the right x-csrf-token header' : '',
  ].filter(Boolean);
  if (forbidden.length) generic[403] = { description: forbidden.join('; ') };
  const responses = { ...generic, ...spec.responses };
  const own = spec.responses[403];
  if (own && generic[403]) responses[403] = { ...own, description: `${own.description}; ${generic[403].description}` };
  return responses;
}

/**
 * A route's middleware as the router runs it: its `before` middleware, then authentication, id
 * checks, body and query parsing, and the handler.
 */
export function routeMiddleware(spec: RouteSpec<z.ZodType | undefined, z.ZodType | undefined>): Array<(ctx: AppContext, next: Next) => Promise<unknown>> {
  return [...(spec.before ?? []), async (ctx: AppContext) => {
    const now = ctx.state.deps.now?.() ?? new Date();
    const tenant = spec.auth === 'realtor' ? await authenticateRealtor(ctx, now, { credential: spec.credential, sessionOnly: spec.sessionOnly }) : undefined;
    const params: Record<string, string> = { ...(ctx as unknown as { params?: Record<string, string> }).params };
    for (const [name, value] of Object.entries(params)) {
      if (name !== 'id' && !name.endsWith('Id')) continue;
      // A malformed id can never name a row: answer like any unknown id.
      if (!UUID_RE.test(value)) throw new AppError('not_found', 'Not found');
      // UUIDs are case-insensitive; Postgres answers them in lower case, which is what core
      // compares with in JS (e.g. a pipeline stage among the account's stages).
      params[name] = value.toLowerCase();
    }
    const body = spec.body
      ? spec.body.parse(await readJsonBody(ctx, { limitBytes: spec.bodyLimitBytes, allowTextPlain: spec.allowTextPlain }))
      : await refuseBody(ctx);
    const query = spec.query ? spec.query.parse(ctx.query) : undefined;
    const input = { body, query, params, now, tenant } as never;
    if (!tenant) return spec.handler(ctx, input);
    const cache = ctx.state.answerCache;
    if (spec.auth === 'realtor' && spec.cached && cache.enabled) {
      const fresh = /\bno-cache\b/i.test(ctx.get('cache-control'));
      const { json, ageSec } = await cache.answer(tenant, ctx.url, fresh, async () => {
        await spec.handler(ctx, input);
        return JSON.stringify(ctx.body);
      });
      ctx.status = 200;
      ctx.type = 'json';
      ctx.body = json;
      ctx.set('Age', String(ageSec));
      return;
    }
    await spec.handler(ctx, input);
    // The account's cached answers (analytics) must not outlive its own writes.
    if (spec.method !== 'get') cache.invalidate(tenant.accountId);
  }];
}

/** `{ items, nextCursor }` list envelope schema for the OpenAPI document. */
export function listOf(item: z.ZodType) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

const SPECS_BY_APP = new WeakMap<object, readonly RouteSpec<z.ZodType | undefined, z.ZodType | undefined>[]>();

/** Remembers the route specs an app was built with (createApp), for `routeSpecsOf`. */
export function rememberRouteSpecs(app: object, registry: RouteRegistry): void {
  SPECS_BY_APP.set(app, registry.specs);
}

/**
 * Every RouteSpec mounted on `app` (method, path, auth, schemas): the router itself as a list,
 * which the generated suites walk (tenant isolation, the hostile-input corpus), so a new route is
 * tested — or the suite names what it is missing — without anyone remembering to add it.
 */
export function routeSpecsOf(app: object): readonly RouteSpec<z.ZodType | undefined, z.ZodType | undefined>[] {
  const specs = SPECS_BY_APP.get(app);
  if (!specs) throw new Error('not an app built by createApp');
  return specs;
}
