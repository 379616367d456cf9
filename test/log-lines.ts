// A logger destination for tests: each JSON line a pino logger writes, parsed into `lines`.
import { Writable } from 'node:stream';
import { closeAppStreams, createApp } from '../api/app.ts';
import { createLogger } from '../core/logger.ts';
import { type LocalListener, listenLocally, type TestServer } from './app.ts';

export function captureLogLines<T = Record<string, any>>(): { destination: Writable; lines: T[] } {
  const lines: T[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line) as T);
      done();
    },
  });
  return { destination, lines };
}

/**
 * The test server's app (its database, Redis, queues and config) on a port of its own, logging at
 * info into `lines` (the test server's own logger is silent): send a request here to assert what it logs.
 */
export async function listenWithLogLines(server: TestServer): Promise<LocalListener & { lines: Array<Record<string, any>> }> {
  const { destination, lines } = captureLogLines();
  const app = createApp({ ...server.runtime, config: server.config, logger: createLogger({ level: 'info', name: 'api', destination }) });
  const listener = await listenLocally(app);
  return {
    ...listener,
    lines,
    async close() {
      await listener.close();
      await closeAppStreams(app);
    },
  };
}
