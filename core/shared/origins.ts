// Allowed origins of a site: scheme://host[:port], as the API stores and compares them
// (the Origin header of widget requests must equal one of them) and as the admin's form checks them.

/** Most allowed origins per site. */
export const MAX_ALLOWED_ORIGINS = 20;

/**
 * What a wildcard origin gets: matching is exact (a browser's Origin header must equal an allowed
 * origin), so `https://*.example.com` would be stored and never match anything.
 */
export const WILDCARD_ORIGIN_MESSAGE = 'Wildcards are not supported: list each origin, e.g. https://www.example.com';

/**
 * "https://Example.com/" → "https://example.com"; null for paths, queries, credentials, non-http(s)
 * and wildcard hosts (`new URL` keeps a `*` in the host, also one written as %2A).
 */
export function normaliseOrigin(input: string): string | null {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
  if (url.hostname.includes('*')) return null;
  return url.origin;
}

/** The API's message for a value normaliseOrigin refused. */
export function originProblem(input: string): string {
  return hasWildcardHost(input) ? WILDCARD_ORIGIN_MESSAGE : 'Use an origin like https://example.com (scheme and host, no path)';
}

function hasWildcardHost(input: string): boolean {
  try {
    return new URL(input.trim()).hostname.includes('*');
  } catch {
    return input.includes('*');
  }
}

/** Explains why one line is not an origin, with the likely fix. */
function describeBadOrigin(line: string): string {
  const value = line.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return `“${value}” needs a scheme: try https://${value.replace(/\/.*$/, '')}`;
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `“${value}” must start with https:// or http://`;
    if (url.pathname !== '/' || url.search || url.hash) return `“${value}” has a path; use just ${url.origin}`;
    if (url.hostname.includes('*')) {
      const example = url.hostname.startsWith('*.') && !url.hostname.slice(2).includes('*') ? `${url.protocol}//www.${url.host.slice(2)}` : 'https://www.example.com';
      return `“${value}”: wildcards are not supported; list each origin, e.g. ${example}`;
    }
  } catch {
    // fall through
  }
  return `“${value}” is not an origin like https://example.com`;
}

/** One origin per line (blank lines ignored, duplicates dropped) → origins, or one message per bad line. */
export function parseOriginLines(text: string): { origins: string[]; errors: string[] } {
  const origins: string[] = [];
  const errors: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const origin = normaliseOrigin(line);
    if (!origin) errors.push(`Line ${i + 1}: ${describeBadOrigin(line)}`);
    else if (!origins.includes(origin)) origins.push(origin);
  });
  if (origins.length > MAX_ALLOWED_ORIGINS) errors.push(`Use at most ${MAX_ALLOWED_ORIGINS} origins`);
  return { origins, errors };
}
