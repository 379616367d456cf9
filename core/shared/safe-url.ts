// Links built from text a lead (or their browser) supplied: the admin renders them, the email
// templates put them in hrefs.

/**
 * A URL that may stand in an href: absolute http(s) only, so `javascript:` and `data:` never
 * become a link. Null otherwise (show it as text instead).
 */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}
