// Deleting the signed-in person's account (docs/accounts.md). Session-only like every /v1/account
// route: an API key gets 403 — an integration must never be able to erase the account that issued it.
import { z } from 'zod';
import { ZPassword } from '#core/accounts/account-schemas.ts';
import { countAccountData, deleteAccount } from '#core/accounts/account-deletion.ts';
import { actorIdOf, ownerIdOf } from '#core/accounts/tenant.ts';
import { announceAccessChange } from '#core/live/live-events.ts';
import type { AppDeps } from '../deps.ts';
import { forgetCachedSessions, setSessionCookie } from '../middleware/auth.ts';
import { LOGIN_WINDOW_SEC } from '../middleware/login-throttle.ts';
import type { RouteRegistry } from '../route.ts';
import { ACCOUNT_PASSWORD_ATTEMPTS_PER_USER, createPasswordAttempts, withPasswordAttempt } from './account.routes.ts';

export const ZDeleteAccountBody = z.strictObject({ password: ZPassword });

export function mountAccountDeletionRoutes(routes: RouteRegistry, deps: AppDeps): void {
  const { config, queues, redis } = deps;
  // One budget of current-password checks per user, shared with the password and email changes.
  const passwordAttempts = createPasswordAttempts(deps);

  routes.add({
    method: 'get', path: '/v1/account/deletion', tag: 'accounts', auth: 'realtor', sessionOnly: true, summary: 'What deleting your account would erase',
    responses: { 200: { description: 'Counts of what the account holds', schema: z.object({ sites: z.number().int(), leads: z.number().int() }) } },
    handler: async (ctx, { tenant }) => {
      ctx.body = await countAccountData({ em: ctx.state.em, userId: actorIdOf(tenant) });
    },
  });

  routes.add({
    method: 'delete', path: '/v1/account', tag: 'accounts', auth: 'realtor', sessionOnly: true,
    summary: 'Delete your account: it stops working at once (every session and API key, its sites and webhooks), its address is free, and the worker erases its data',
    body: ZDeleteAccountBody,
    responses: {
      202: {
        description: 'Deleted: the session cookie is cleared, a notice goes to the account\'s address, and the data is being erased (docs/accounts.md)',
        schema: z.object({ deletedAt: z.iso.datetime() }),
      },
      400: { description: '`wrong_password` (nothing changed), or `validation_failed`' },
      429: { description: `\`rate_limited\` (Retry-After): ${ACCOUNT_PASSWORD_ATTEMPTS_PER_USER} checks of the current password per ${LOGIN_WINDOW_SEC / 60} minutes per user, shared with the password and email changes` },
    },
    handler: async (ctx, { body, tenant, now }) => {
      const userId = actorIdOf(tenant);
      const deleted = await withPasswordAttempt(passwordAttempts, userId, () =>
        deleteAccount({ em: ctx.state.em, userId, password: body.password, now, queues, log: ctx.state.log }));
      forgetCachedSessions(ctx); // other API processes: Postgres notifies them (session-cache.ts)
      await announceAccessChange({ redis, prefix: config.QUEUE_PREFIX, accountId: ownerIdOf(tenant), log: ctx.state.log });
      setSessionCookie(ctx, config, '', 0);
      ctx.status = 202;
      ctx.body = { deletedAt: deleted.deletedAt.toISOString() };
    },
  });
}
