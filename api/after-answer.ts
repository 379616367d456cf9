// Work a public route does only after its answer has gone, so that the answer's timing cannot
// tell what the work found (docs/email.md, "Signup does not reveal accounts": forgot password, and
// signup with SIGNUP_VERIFY_FIRST).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from '#core/logger.ts';
import type { AppDeps } from './deps.ts';
import type { AppContext } from './middleware/context.ts';

/**
 * Runs `work` once the response has been sent (the response's `close`), on an EntityManager of its
 * own — the request's one is done with by then. A failure is logged with `failureMessage` and not
 * retried: nothing waits for it any more. Call it as the handler's last step before setting the
 * answer, after everything that may still refuse the request (a 429 must not leave work behind).
 */
export function runAfterAnswer(ctx: AppContext, deps: Pick<AppDeps, 'orm'>, failureMessage: string,
  work: (io: { em: EntityManager; log: Logger }) => Promise<unknown>): void {
  const log = ctx.state.log;
  ctx.res.once('close', () => {
    Promise.resolve()
      .then(() => work({ em: deps.orm.em.fork() as EntityManager, log }))
      .catch((err: unknown) => log.error({ err }, failureMessage));
  });
}
