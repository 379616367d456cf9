import type Router from '@koa/router';
import type { AppDeps } from '../deps.ts';

const READY_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref())]);
}

/**
 * Liveness (`/healthz`: the process answers) and readiness (`/readyz`: Postgres and Redis answer).
 * `/readyz` answers `ok` or `error` per dependency, never the driver's text (an address, a role
 * name: anyone can ask); the reason is logged, once when a dependency starts failing (warn) and
 * once when it answers again (info), each probe in between at debug.
 */
export function mountHealthRoutes(router: Router, deps: AppDeps): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  const failing = new Set<string>();
  const check = async (dependency: 'postgres' | 'redis', fn: () => Promise<unknown>): Promise<'ok' | 'error'> => {
    try {
      await withTimeout(fn(), READY_TIMEOUT_MS);
      if (failing.delete(dependency)) deps.logger.info({ dependency }, 'readiness check passes again');
      return 'ok';
    } catch (err) {
      const reason = (err as Error).message?.split('\n')[0] || (err as { code?: string }).code || String(err);
      if (failing.has(dependency)) deps.logger.debug({ dependency, err: reason }, 'readiness check failed');
      else {
        failing.add(dependency);
        deps.logger.warn({ dependency, err: reason }, 'readiness check failed');
      }
      return 'error';
    }
  };
  router.get('/readyz', async (ctx) => {
    const [postgres, redis] = await Promise.all([
      check('postgres', () => deps.orm.em.getConnection().execute('select 1')),
      check('redis', () => deps.redis.ping()),
    ]);
    const ready = postgres === 'ok' && redis === 'ok';
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'unavailable', checks: { postgres, redis } };
  });
}
