// The lead list the realtor last looked at, filters and all ("/leads?band=hot&q=oak"), so leaving
// a lead (Back to leads, or deleting it) returns to that list rather than to an unfiltered one.
// Per tab (sessionStorage); falls back to "/leads".

const KEY = 'porchlight:leads-path';

export function rememberLeadsPath(path: string): void {
  try {
    sessionStorage.setItem(KEY, path);
  } catch {
    // storage unavailable (private mode quotas): the plain list is a fine fallback
  }
}

export function lastLeadsPath(): string {
  try {
    const path = sessionStorage.getItem(KEY);
    return path?.startsWith('/leads') ? path : '/leads';
  } catch {
    return '/leads';
  }
}
