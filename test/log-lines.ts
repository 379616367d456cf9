// A logger destination for tests: each JSON line a pino logger writes, parsed into `lines`.
import { Writable } from 'node:stream';
import { closeAppStreams, createApp } from '../api/app.ts';
import { createLogger } from '../core/logger.ts';
import { type LocalListener, listenLocally, type TestServer } from './app.ts';

export function captureLogLines<T = Record<string, any>>(): { destination: Writable; lines: T[]; raw(): string } {
  const lines: T[] = [];
  let raw = '';
  const destination = new Writable({
    write(chunk, _enc, done) {
      raw += chunk;
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line) as T);
      done();
    },
  });
  return { destination, lines, raw: () => raw };
}

/**
 * The test server's app (its database, Redis, queues and config) on a port of its own, logging at
 * `level` (default info) into `lines` and `raw()` (the test server's own logger is silent): send a
 * request here to assert what it logs. `config` overrides some of the server's settings.
 */
export async function listenWithLogLines(server: TestServer, { level = 'info', config = {} }: { level?: string; config?: Partial<TestServer['config']> } = {}): Promise<
  LocalListener & { lines: Array<Record<string, any>>; raw(): string }
> {
  const { destination, lines, raw } = captureLogLines();
  const app = createApp({ ...server.runtime, config: { ...server.config, ...config }, logger: createLogger({ level, name: 'api', destination }) });
  const listener = await listenLocally(app);
  return {
    ...listener,
    lines,
    raw,
    async close() {
      await listener.close();
      await closeAppStreams(app);
    },
  };
}
