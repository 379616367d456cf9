import { z } from 'zod';
import { safeText } from '../validation/plain-text.ts';

export const MAX_ALLOWED_ORIGINS = 20;

/** Normalises "https://Example.com/" → "https://example.com"; rejects paths, queries and non-http(s). */
export function normaliseOrigin(input: string): string | null {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) return null;
  return url.origin;
}

export const ZOrigin = safeText(z.string().max(300))
  .transform((s, ctx) => {
    const origin = normaliseOrigin(s);
    if (!origin) {
      ctx.addIssue({ code: 'custom', message: 'Use an origin like https://example.com (scheme and host, no path)' });
      return z.NEVER;
    }
    return origin;
  });

const ZOrigins = z
  .array(ZOrigin)
  .max(MAX_ALLOWED_ORIGINS, `At most ${MAX_ALLOWED_ORIGINS} origins`)
  .transform((list) => [...new Set(list)]);

export const ZCreateSiteBody = z.strictObject({
  name: safeText(z.string().trim().min(1, 'Name is required').max(100)),
  allowedOrigins: ZOrigins.default([]),
});
export type CreateSiteBody = z.infer<typeof ZCreateSiteBody>;

export const ZUpdateSiteBody = z.strictObject({
  name: safeText(z.string().trim().min(1, 'Name is required').max(100)).optional(),
  allowedOrigins: ZOrigins.optional(),
  settings: z.strictObject({ respectDnt: z.boolean().optional() }).optional(),
  enabled: z.boolean().optional(),
});
export type UpdateSiteBody = z.infer<typeof ZUpdateSiteBody>;

export const ZSiteJson = z.object({
  siteId: z.uuid(),
  name: z.string(),
  publicKey: z.string(),
  allowedOrigins: z.array(z.string()),
  settings: z.object({ respectDnt: z.boolean() }),
  enabled: z.boolean(),
  lastEventAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  snippet: z.string(),
});
