// The API process: listen, and shut down gracefully on SIGTERM/SIGINT.
import type { AddressInfo } from 'node:net';
import { closeStep, createRuntimeOrExit } from '#core/runtime.ts';
import { closeAppStreams, createApp } from './app.ts';
import { trackOpenConnections } from './open-connections.ts';

/** After `stopped`, how long a socket still closing may keep the process alive before it exits 0. */
const EXIT_GRACE_MS = 1000;
/**
 * After SIGTERM, how long a connection that has not sent a whole request's headers yet is given to
 * do so (a request already on its way is answered) before it is closed.
 */
const REQUEST_START_GRACE_MS = 500;

const runtime = await createRuntimeOrExit({ name: 'api' });
const { config, logger } = runtime;
/** After SIGTERM the whole stop, in-flight requests first, gets this long (default 10 s); past it the process exits 1. */
const SHUTDOWN_TIMEOUT_MS = config.API_SHUTDOWN_TIMEOUT_MS;
const app = createApp(runtime);

const server = app.listen(config.PORT, config.HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, url: `${config.PUBLIC_URL}/app/` }, 'api listening');
});
server.keepAliveTimeout = 65_000;
const connections = trackOpenConnections(server);
// A port taken by another program (often a second `npm start`), or a HOST this machine does not
// have: one line that says what to do, not a stack trace.
server.on('error', (err: NodeJS.ErrnoException) => {
  const line = describeListenError(err.code, config.PORT, config.HOST);
  if (!line) throw err;
  process.stderr.write(`${line}\n`);
  void runtime.close().finally(() => process.exit(1));
});

/** The one line printed when the API cannot listen on its address; undefined for other errors. */
function describeListenError(code: string | undefined, port: number, host: string): string | undefined {
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const problem = code === 'EADDRNOTAVAIL' ? 'is not an address of this machine' : 'does not resolve to an address';
    return `Cannot listen on HOST ${host}: it ${problem}. Set HOST to one of this machine's addresses, or 0.0.0.0 for all of them (127.0.0.1 for this machine only).`;
  }
  if (code !== 'EADDRINUSE' && code !== 'EACCES') return undefined;
  const next = port > 0 && port < 65535 ? port + 1 : 3001;
  const problem = code === 'EADDRINUSE' ? `Port ${port} is already in use (is Porchlight already running?)` : `Port ${port} needs privileges this user does not have`;
  return `${problem}. Choose another port with PORT, e.g. PORT=${next} npm start (or set PORT in .env).`;
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  const started = performance.now();
  logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  let step = 'live streams';
  const force = setTimeout(() => {
    logger.error({ step }, 'shutdown timed out; exiting');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
  // Keep-alive sockets become idle as their requests finish: close them as soon as they do. A
  // connection that has not started a request (a browser's preconnected socket, a load balancer's
  // pool) is not idle to Node and would hold server.close() until its client gives up or
  // headersTimeout ends it, past the shutdown budget: after REQUEST_START_GRACE_MS it is closed
  // too (api/open-connections.ts).
  const reaper = setInterval(() => {
    server.closeIdleConnections();
    if (performance.now() - started >= REQUEST_START_GRACE_MS) connections.closeWaiting();
  }, 100);
  try {
    // Live-update streams never finish by themselves: they are ended first, at once (closeStep
    // calls closeAppStreams now, and it ends every stream before its first await). What follows —
    // the subscriber's QUIT and the session listener's goodbye, each with its own bound — uses
    // connections of its own, so it goes on beside the next steps instead of before them: with a
    // Redis that stopped answering, its 1 s QUIT bound and the request connection's no longer add up.
    const streamsClosed = closeStep(logger, step, () => closeAppStreams(app)).then(() => undefined, (err: unknown) => ({ err }));
    // In-flight requests finish; only they may hold the shutdown up to SHUTDOWN_TIMEOUT_MS.
    step = 'http server';
    await closeStep(logger, step, () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    }), SHUTDOWN_TIMEOUT_MS);
    clearInterval(reaper);
    // Requests are done: now the queues, Redis and the ORM can go (each step bounded).
    step = 'runtime';
    const [streamsFailed] = await Promise.all([streamsClosed, runtime.close()]);
    if (streamsFailed) {
      step = 'live streams';
      throw streamsFailed.err;
    }
  } catch (err) {
    logger.error({ err, step }, 'shutdown failed; exiting');
    process.exit(1);
  }
  clearTimeout(force);
  logger.info({ ms: Math.round(performance.now() - started) }, 'stopped');
  // Everything is closed; a socket still saying goodbye to a peer that does not answer (a step
  // that overran its bound) must not keep the process alive.
  setTimeout(() => {
    logger.warn({ open: process.getActiveResourcesInfo() }, 'still open after stopping; exiting');
    process.exit(0);
  }, EXIT_GRACE_MS).unref();
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
