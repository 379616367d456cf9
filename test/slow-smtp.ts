// A real SMTP server (the `smtp-server` package) that is slow but never silent: it answers each
// RCPT TO only after `rcptDelayMs`, so no socket timeout fires while a whole send takes longer
// than the client's deadline. A test sets the delay (0: an ordinary server), counts the messages
// it accepted, and awaits the end of the sessions a client closed — the proof that a message cut
// off before DATA can no longer arrive.
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SlowSmtpServer {
  /** smtp://127.0.0.1:PORT — a value for SMTP_URL. */
  url: string;
  /** How long RCPT TO waits for its answer; change it between sends. */
  rcptDelayMs: number;
  /** Subjects of the messages accepted so far, oldest first. */
  readonly subjects: readonly string[];
  /** Resolves once `count` SMTP sessions have ended (the client quit or hung up). */
  sessionsClosed(count: number): Promise<void>;
  /** Stops listening, drops the held answers and closes open connections. */
  close(): Promise<void>;
}

export async function startSlowSmtpServer({ rcptDelayMs }: { rcptDelayMs: number }): Promise<SlowSmtpServer> {
  const subjects: string[] = [];
  const held = new Set<NodeJS.Timeout>();
  let closed = 0;
  const closeWaiters: Array<{ count: number; resolve: () => void }> = [];
  const state = { rcptDelayMs };

  const server = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    closeTimeout: 100,
    onRcptTo(_address, _session, callback) {
      if (state.rcptDelayMs <= 0) return callback();
      const timer = setTimeout(() => {
        held.delete(timer);
        callback();
      }, state.rcptDelayMs);
      held.add(timer);
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        simpleParser(Buffer.concat(chunks)).then(
          (parsed) => {
            subjects.push(parsed.subject ?? '');
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
    onClose() {
      closed++;
      for (const w of closeWaiters.splice(0)) {
        if (closed >= w.count) w.resolve();
        else closeWaiters.push(w);
      }
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    get rcptDelayMs() {
      return state.rcptDelayMs;
    },
    set rcptDelayMs(ms: number) {
      state.rcptDelayMs = ms;
    },
    subjects,
    sessionsClosed(count) {
      if (closed >= count) return Promise.resolve();
      return new Promise<void>((resolve) => closeWaiters.push({ count, resolve }));
    },
    close() {
      for (const t of held) clearTimeout(t);
      held.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
