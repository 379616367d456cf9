// A logger destination for tests: each JSON line a pino logger writes, parsed into `lines`.
import { Writable } from 'node:stream';

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
