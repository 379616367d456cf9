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
  if (isWildcardHost(url.host)) return null;
  return url.origin;
}

/** A `*` in a parsed host: Node decodes a typed %2A to `*`, Chromium's URL escapes `*` as %2A. */
function isWildcardHost(host: string): boolean {
  return /\*|%2a/i.test(host);
}

/** The API's message for a value normaliseOrigin refused. */
export function originProblem(input: string): string {
  return hasWildcardHost(input) ? WILDCARD_ORIGIN_MESSAGE : 'Use an origin like https://example.com (scheme and host, no path)';
}

function hasWildcardHost(input: string): boolean {
  try {
    return isWildcardHost(new URL(input.trim()).host);
  } catch {
    return isWildcardHost(input);
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
    if (isWildcardHost(url.host)) {
      const rest = url.host.replace(/^(?:\*|%2a)\./i, '');
      const example = rest !== url.host && !isWildcardHost(rest) ? `${url.protocol}//www.${rest}` : 'https://www.example.com';
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

/**
 * The origins a form shows (one per line, as typed) after the saved list changed from `before` to
 * `after` under it — the install check's "Add origin" while the site's settings are open. Text
 * still as saved becomes `after`; text the realtor is editing keeps its lines, less the origins the
 * change removed, plus the ones it added (at the end), so neither side's change is lost on Save.
 */
export function rebaseOriginLines(text: string, before: readonly string[], after: readonly string[]): string {
  if (text === before.join('\n')) return after.join('\n');
  const removed = new Set(before.filter((o) => !after.includes(o)));
  const lines = text.split(/\r?\n/).filter((line) => {
    const origin = normaliseOrigin(line);
    return origin === null || !removed.has(origin);
  });
  const present = new Set(lines.map(normaliseOrigin));
  const added = after.filter((o) => !before.includes(o) && !present.has(o));
  if (!added.length) return lines.join('\n');
  while (lines.length && !lines.at(-1)!.trim()) lines.pop();
  return [...lines, ...added].join('\n');
}
