import { z } from 'zod';
import { actorIdOf } from '#core/accounts/tenant.ts';
import { ALERT_LABELS } from '#core/email/alert-kinds.ts';
import { getNotificationPreferences, toNotificationPreferencesJson, unsubscribeFromAlert, updateNotificationPreferences } from '#core/email/notification-preferences.ts';
import { ZAlertKind, ZNotificationPreferences, ZNotificationPreferencesPatch } from '#core/email/notification-preferences-schemas.ts';
import { html, type SafeHtml } from '#core/email/templates/html.ts';
import { AppError } from '#core/errors.ts';
import type { AppContext } from '../middleware/context.ts';
import type { RouteRegistry } from '../route.ts';

const ZUnsubscribeQuery = z.object({ alert: ZAlertKind });
const UNSUBSCRIBE_TOKEN_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** A tiny standalone HTML page, escaped with the email templates' `html` tag. */
function sendPage(ctx: AppContext, status: number, title: string, body: SafeHtml): void {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.body = html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#18181b;line-height:1.5"><h1 style="font-size:1.4rem">${title}</h1>${body}</body></html>`.value;
}

function tokenOf(params: Record<string, string>): string {
  const token = params.token ?? '';
  if (!UNSUBSCRIBE_TOKEN_RE.test(token)) throw new AppError('token_invalid', 'This unsubscribe link is not valid.');
  return token;
}

export function mountNotificationRoutes(routes: RouteRegistry): void {
  routes.add({
    method: 'get', path: '/v1/notification-preferences', tag: 'notifications', auth: 'realtor', summary: 'Your email alert settings',
    responses: { 200: { description: 'Settings (defaults until changed)', schema: ZNotificationPreferences } },
    handler: async (ctx, { tenant }) => {
      ctx.body = toNotificationPreferencesJson(await getNotificationPreferences({ em: ctx.state.em, userId: actorIdOf(tenant) }));
    },
  });

  routes.add({
    method: 'patch', path: '/v1/notification-preferences', tag: 'notifications', auth: 'realtor',
    summary: 'Change which alerts you get, quiet hours, digest hour or time zone',
    body: ZNotificationPreferencesPatch,
    responses: { 200: { description: 'The new settings', schema: ZNotificationPreferences }, 400: { description: 'Invalid setting (e.g. unknown time zone)' } },
    handler: async (ctx, { tenant, body, now }) => {
      ctx.body = toNotificationPreferencesJson(await updateNotificationPreferences({ em: ctx.state.em, userId: actorIdOf(tenant), patch: body, now }));
    },
  });

  // A GET changes nothing: mail scanners and link previewers fetch every link in an email.
  routes.add({
    method: 'get', path: '/v1/unsubscribe/:token', tag: 'notifications', auth: 'public', summary: 'Unsubscribe confirmation page (changes nothing)',
    query: ZUnsubscribeQuery,
    responses: { 200: { description: 'An HTML page with a one-button form' }, 400: { description: 'Unknown alert' } },
    handler: (ctx, { params, query }) => {
      const token = tokenOf(params);
      const label = ALERT_LABELS[query.alert];
      const action = `/v1/unsubscribe/${encodeURIComponent(token)}?alert=${query.alert}`;
      sendPage(ctx, 200, `Stop ${label} emails?`, html`<p>You will no longer get ${label} emails from Porchlight. You can switch them on again in the admin under Settings.</p>
<form method="post" action="${action}"><button type="submit" style="font:inherit;padding:.6rem 1.2rem;border-radius:6px;border:0;background:#1d4ed8;color:#fff;cursor:pointer">Unsubscribe</button></form>`);
    },
  });

  // RFC 8058 one-click: mail clients POST `List-Unsubscribe=One-Click` (form-encoded, no cookies).
  routes.add({
    method: 'post', path: '/v1/unsubscribe/:token', tag: 'notifications', auth: 'public', summary: 'Unsubscribe from one alert (RFC 8058 one-click)',
    query: ZUnsubscribeQuery,
    responses: { 200: { description: 'Unsubscribed (an HTML page for a browser form, JSON otherwise)' }, 400: { description: 'Invalid link' } },
    handler: async (ctx, { params, query, now }) => {
      await unsubscribeFromAlert({ em: ctx.state.em, token: tokenOf(params), alert: query.alert, now });
      if (ctx.accepts('json', 'html') === 'html') {
        sendPage(ctx, 200, 'You are unsubscribed', html`<p>You will no longer get ${ALERT_LABELS[query.alert]} emails. Switch them on again any time in the admin under Settings.</p>`);
        return;
      }
      ctx.body = { unsubscribed: query.alert };
    },
  });
}
