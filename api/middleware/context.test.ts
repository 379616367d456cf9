// initRequestState without a server: a Koa context over an unconnected socket.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import Koa from 'koa';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '#core/config.ts';
import { createLogger } from '#core/logger.ts';
import { captureLogLines } from '#test/log-lines.ts';
import type { AppDeps } from '../deps.ts';
import { AnswerCache } from '../answer-cache.ts';
import { initRequestState } from './context.ts';

function setup() {
  const { destination, lines } = captureLogLines();
  const logger = createLogger({ level: 'info', name: 'api', destination });
  let children = 0;
  const child = logger.child.bind(logger);
  logger.child = ((...args: Parameters<typeof logger.child>) => {
    children++;
    return child(...args);
  }) as typeof logger.child;
  const req = new IncomingMessage(new Socket());
  req.headers['x-request-id'] = 'req-lazy-1';
  const ctx = new Koa().createContext(req, new ServerResponse(req));
  const deps = { config: loadConfig({ NODE_ENV: 'test' }), logger } as unknown as AppDeps;
  const state = initRequestState(ctx, deps, { sessionCache: undefined as never, answerCache: new AnswerCache(0) });
  return { state, lines, logger, children: () => children };
}

describe('request state', () => {
  it('lazyLog makes no child logger until something is logged, then logs with the request id', async () => {
    const { state, lines, logger, children } = setup();
    const lazy = state.lazyLog;
    expect(children()).toBe(0);
    expect(lazy.isLevelEnabled('debug')).toBe(false);
    expect(children()).toBe(1); // any use makes the one child
    lazy.warn({ err: 'x' }, 'could not update sites.last_event_at');
    state.log.info('second line');
    expect(children()).toBe(1); // lazyLog and log share it
    expect(state.lazyLog).toBe(state.log); // once made, lazyLog is the child itself
    logger.flush();
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ['could not update sites.last_event_at', 'req-lazy-1'],
      ['second line', 'req-lazy-1'],
    ]);
  });
});
