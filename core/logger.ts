import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Creates the process logger: JSON lines on stdout (or `destination`), one per event. */
export function createLogger(opts: { level: string; name: string; destination?: DestinationStream }): Logger {
  return pino({
    name: opts.name,
    level: opts.level,
    base: { service: opts.name },
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', '*.password', '*.passwordHash'], censor: '[redacted]' },
  }, opts.destination);
}
