// How the widget talks to the API, for tests: text/plain JSON from an allowed Origin with a
// browser user agent (ingest drops bots), each request from its own address so per-IP rate
// limits never couple tests (the test server trusts X-Forwarded-For).

export const CHROME_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export interface IngestOptions {
  /** The Origin header; `null` sends none. */
  origin?: string | null;
  ua?: string;
  contentType?: string;
  ip?: string;
  /** A raw body instead of JSON.stringify(body). */
  raw?: string;
}

export interface IngestResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the answer is not JSON. */
  body: any;
  text: string;
}

/** Returns a function giving a new 10.<block>.x.y address on each call. */
export function ipSource(block: number): () => string {
  let n = 0;
  return () => {
    n++;
    return `10.${block}.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  };
}

/** POSTs `body` to an ingest endpoint the way the widget does. */
export async function sendIngest(url: string, body: unknown, opts: IngestOptions & { defaultOrigin: string; nextIp: () => string }): Promise<IngestResult> {
  const headers: Record<string, string> = {
    'content-type': opts.contentType ?? 'text/plain;charset=UTF-8',
    'user-agent': opts.ua ?? CHROME_UA,
    'x-forwarded-for': opts.ip ?? opts.nextIp(),
  };
  if (opts.origin !== null) headers.origin = opts.origin ?? opts.defaultOrigin;
  const res = await fetch(url, { method: 'POST', headers, body: opts.raw ?? JSON.stringify(body) });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: json, text };
}
