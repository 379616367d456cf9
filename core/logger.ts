import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** `json`: one JSON object per line (production, tests, pipes). `pretty`: one short readable line (a developer's terminal). */
export type LogFormat = 'json' | 'pretty';

/** Readable lines only for a person watching: development with stdout on a terminal. Anything read by a machine stays JSON. */
export function chooseLogFormat(nodeEnv: string, stdoutIsTerminal: boolean | undefined): LogFormat {
  return nodeEnv === 'development' && stdoutIsTerminal === true ? 'pretty' : 'json';
}

/** Creates the process logger: JSON lines on stdout (or `destination`), one per event, written asynchronously; `pretty` rewrites them for a terminal. */
export function createLogger(opts: { level: string; name: string; destination?: DestinationStream; format?: LogFormat }): Logger {
  // JSON lines go to stdout asynchronously: a line is written at once when no write is in flight,
  // and lines logged meanwhile are written together (one syscall for many under load, instead of
  // one blocking write per line on the event loop). pino flushes what is left when the process exits.
  const destination = opts.destination ?? (opts.format === 'pretty' ? createPrettyDestination(process.stdout) : pino.destination({ dest: 1, sync: false }));
  return pino({
    name: opts.name,
    level: opts.level,
    base: { service: opts.name },
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', '*.password', '*.passwordHash'], censor: '[redacted]' },
    // `error` too: the mailer logs a transport's error text under it.
    serializers: { err: serializeError, error: serializeError },
  }, destination);
}

/**
 * Postgres's `detail` of an error echoes the row's values: `Failing row contains (…,
 * ops@example.com, $argon2id$v=19$…)` for a CHECK, `Key (email)=(…) already exists` for a unique
 * violation. MikroORM copies it into the message (and so the stack) as `\n - detail: …`.
 * Redaction works on keys, not on text, so the detail is cut here; the code, table, constraint
 * and column say what failed without the data.
 */
const DRIVER_DETAIL = /\n - detail: [\s\S]*?(?=\n - hint: |\n {4}at |$)/g;

/** pino's error serializer, without the driver's `detail` (DRIVER_DETAIL), also in causes, nested errors and an `err` logged as its message. */
export function serializeError(err: unknown): unknown {
  if (typeof err === 'string') return err.replace(DRIVER_DETAIL, '');
  return scrubDetail(pino.stdSerializers.err(err as Error), 0);
}

function scrubDetail(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > 4) return value;
  if (Array.isArray(value)) return value.map((v) => scrubDetail(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'detail') continue;
    out[key] = typeof v === 'string' && (key === 'message' || key === 'stack') ? v.replace(DRIVER_DETAIL, '') : scrubDetail(v, depth + 1);
  }
  return out;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line has, or that the short form already shows. */
const SHOWN = new Set(['level', 'time', 'pid', 'hostname', 'service', 'name', 'msg', 'requestId', 'method', 'path', 'status', 'ms', 'err']);

/**
 * One pino JSON line → `14:05:09 INFO  api  request GET /v1/leads 200 3.1ms ip=127.0.0.1`; an
 * error's stack follows on its own lines. A line that is not JSON is passed through.
 */
export function formatLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json);
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = new Date(Number(entry.time)).toTimeString().slice(0, 8);
  const level = (LEVELS[Number(entry.level)] ?? String(entry.level)).padEnd(5);
  const parts = [time, level, String(entry.service ?? entry.name ?? ''), String(entry.msg ?? '')];
  if (entry.method) parts.push(`${entry.method} ${entry.path ?? ''}`);
  if (entry.status !== undefined) parts.push(String(entry.status));
  if (entry.ms !== undefined) parts.push(`${entry.ms}ms`);
  for (const [key, value] of Object.entries(entry)) {
    if (!SHOWN.has(key)) parts.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  let line = parts.filter(Boolean).join(' ');
  const err = entry.err as { message?: string; stack?: string } | undefined;
  if (err) line += `\n  ${err.stack ?? err.message ?? JSON.stringify(err)}`.replaceAll('\n', '\n  ');
  return `${line}\n`;
}

/** A pino destination that writes `formatLogLine` of each line to `out`. */
export function createPrettyDestination(out: NodeJS.WritableStream): DestinationStream {
  return { write: (chunk: string) => void out.write(formatLogLine(chunk.trimEnd())) };
}
