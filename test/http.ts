/** A tiny cookie-keeping HTTP client over fetch for API tests (real HTTP, no mocks). */
import { expect } from 'vitest';

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class ApiClient {
  readonly baseUrl: string;
  cookie = '';
  csrfToken = '';
  bearer = '';

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async request<T = any>(method: string, path: string, opts: { json?: unknown; raw?: string; contentType?: string; headers?: Record<string, string>; csrf?: boolean } = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.cookie) headers.cookie = this.cookie;
    if (this.bearer) headers.authorization = `Bearer ${this.bearer}`;
    if (opts.csrf !== false && this.csrfToken && method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    let body: string | undefined;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] = opts.contentType ?? 'application/json';
    } else if (opts.raw !== undefined) {
      body = opts.raw;
      if (opts.contentType) headers['content-type'] = opts.contentType;
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body, redirect: 'manual' });
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair] = c.split(';');
      const [name, value] = pair.split('=');
      if (name === 'pl_session') this.cookie = value ? `pl_session=${value}` : '';
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get<T = any>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = any>(path: string, json?: unknown) {
    return this.request<T>('POST', path, { json: json ?? {} });
  }
  patch<T = any>(path: string, json: unknown) {
    return this.request<T>('PATCH', path, { json });
  }
  put<T = any>(path: string, json: unknown) {
    return this.request<T>('PUT', path, { json });
  }
  delete<T = any>(path: string) {
    return this.request<T>('DELETE', path);
  }

  /** Signs up a fresh user and keeps its cookie and CSRF token. */
  async signUp(overrides: Partial<{ username: string; email: string; password: string }> = {}) {
    const n = Math.random().toString(36).slice(2, 10);
    const input = { username: `agent ${n}`, email: `agent-${n}@example.com`, password: 'correct horse battery', ...overrides };
    const res = await this.post('/v1/auth/signup', input);
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
    this.csrfToken = res.body.csrfToken;
    return { ...input, userId: res.body.user.userId as string };
  }
}

/**
 * Every item of a keyset-paged list (`{ items, nextCursor }`), read page by page: GETs `path`
 * with `limit` and follows `nextCursor` until it is null. Each page must answer 200 and hold at
 * most `limit` items.
 */
export async function readAllPages<T = any>(client: ApiClient, path: string, limit: number): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const res: HttpResult = await client.get(`${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, `GET ${path} (limit ${limit})`).toBe(200);
    expect(res.body.items.length, `GET ${path} (limit ${limit})`).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}
