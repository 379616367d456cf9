// What an error log line holds when Postgres rejects a row: the row itself (an email, a password
// hash) must not reach the log, which has no redaction for message text.
import { describe, expect, it } from 'vitest';
import { makeUser } from '#test/factories.ts';
import { useTestOrm } from '#test/db.ts';
import { captureLogLines } from '#test/log-lines.ts';
import { createLogger } from './logger.ts';

const t = useTestOrm();

describe('logged errors', () => {
  it("a constraint violation is logged without the driver's detail (the failing row)", async () => {
    // A CHECK of this database's own, so the violation's detail echoes the whole row.
    await t.pool.query("alter table users add constraint users_not_blocked check (email not like 'blocked-%')");
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA';
    const err = await makeUser(t, { email: 'blocked-ops@example.com', passwordHash: hash }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '23514', detail: expect.stringContaining('blocked-ops@example.com') });

    const { destination, lines, raw } = captureLogLines();
    const logger = createLogger({ level: 'info', name: 'api', destination });
    logger.error({ err }, 'unhandled error'); // as the API's error handler and the worker log one
    logger.flush();
    expect(lines).toEqual([expect.objectContaining({ msg: 'unhandled error', err: expect.objectContaining({ code: '23514', constraint: 'users_not_blocked' }) })]);
    expect(lines[0].err.message).toContain('violates check constraint "users_not_blocked"');
    expect(raw()).not.toContain('blocked-ops@example.com');
    expect(raw()).not.toContain('argon2id');
    expect(raw()).not.toContain('Failing row');

    // Logged as its message (`{ err: err.message }`) too.
    logger.warn({ err: (err as Error).message }, 'as text');
    logger.flush();
    expect(lines[1].err).toBe('new row for relation "users" violates check constraint "users_not_blocked"');

    // And under `error`, the other key errors are logged under.
    logger.warn({ error: err }, 'as error');
    logger.warn({ error: (err as Error).message }, 'as error text');
    logger.flush();
    expect(lines[2].error).toMatchObject({ code: '23514', constraint: 'users_not_blocked' });
    expect(lines[3].error).toBe('new row for relation "users" violates check constraint "users_not_blocked"');
    expect(raw()).not.toContain('blocked-ops@example.com');
  });
});
