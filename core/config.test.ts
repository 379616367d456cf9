import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, DEFAULT_ENV_FILE, loadConfig, loadConfigFromEnvironment } from './config.ts';
import { deriveDataKey } from './secret-box.ts';

describe('configuration', () => {
  it('works with no variables at all on a developer machine', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/porchlight');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.PORT).toBe(3000);
    expect(c.PUBLIC_URL).toBe('http://localhost:3000');
    expect(c.WEBHOOK_RETRY_SCHEDULE).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(c.WEBHOOK_ALLOWED_HOSTS).toEqual([]);
    expect(c.WEBHOOK_TIMEOUT_MS).toBe(15_000);
    expect(c.WEBHOOK_LEASE_MARGIN_MS).toBe(30_000);
    expect(c.API_SHUTDOWN_TIMEOUT_MS).toBe(10_000);
    expect(c.WORKER_SHUTDOWN_TIMEOUT_MS).toBe(30_000);
  });

  it('reads the shutdown timeouts of the API and the worker in whole milliseconds, from 1 s', () => {
    const c = loadConfig({ API_SHUTDOWN_TIMEOUT_MS: '1500', WORKER_SHUTDOWN_TIMEOUT_MS: '45000' });
    expect(c.API_SHUTDOWN_TIMEOUT_MS).toBe(1500);
    expect(c.WORKER_SHUTDOWN_TIMEOUT_MS).toBe(45_000);
    expect(loadConfig({ API_SHUTDOWN_TIMEOUT_MS: '1000', WORKER_SHUTDOWN_TIMEOUT_MS: '600000' })).toMatchObject({ API_SHUTDOWN_TIMEOUT_MS: 1000, WORKER_SHUTDOWN_TIMEOUT_MS: 600_000 });
    expect(() => loadConfig({ API_SHUTDOWN_TIMEOUT_MS: '999' })).toThrow(/^Invalid configuration: API_SHUTDOWN_TIMEOUT_MS: must be at least 1000$/);
    expect(() => loadConfig({ WORKER_SHUTDOWN_TIMEOUT_MS: '600001' })).toThrow(/^Invalid configuration: WORKER_SHUTDOWN_TIMEOUT_MS: must be at most 600000$/);
    expect(() => loadConfig({ API_SHUTDOWN_TIMEOUT_MS: '1.5' })).toThrow(/^Invalid configuration: API_SHUTDOWN_TIMEOUT_MS: must be whole milliseconds$/);
  });

  it('parses lists and numbers, and treats empty strings as unset', () => {
    const c = loadConfig({ PORT: '8080', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, localhost', WEBHOOK_RETRY_SCHEDULE: '1,2,3', WEBHOOK_TIMEOUT_MS: '2500', WEBHOOK_LEASE_MARGIN_MS: '5000', PUBLIC_URL: 'https://leads.example.com/', QUEUE_PREFIX: '' });
    expect(c.PORT).toBe(8080);
    expect(c.WEBHOOK_ALLOWED_HOSTS).toEqual(['127.0.0.1', 'localhost']);
    expect(c.WEBHOOK_RETRY_SCHEDULE).toEqual([1, 2, 3]);
    expect(c.WEBHOOK_TIMEOUT_MS).toBe(2500);
    expect(c.WEBHOOK_LEASE_MARGIN_MS).toBe(5000);
    expect(c.PUBLIC_URL).toBe('https://leads.example.com');
    expect(c.QUEUE_PREFIX).toBe('porchlight');
  });

  it('takes HOST as an IP address or a host name, and names HOST when it carries a port or a scheme', () => {
    for (const host of ['0.0.0.0', '127.0.0.1', '::', '::1', 'localhost', 'api.internal', 'porchlight-api']) expect(loadConfig({ HOST: host }).HOST).toBe(host);
    for (const host of ['0.0.0.0:3000', 'http://localhost', 'localhost/', 'my host', '-api']) {
      expect(() => loadConfig({ HOST: host })).toThrow(/^Invalid configuration: HOST: must be an IP address or a host name without a port/);
    }
  });

  it('reads the mail server and sender, and leaves SMTP unset by default (emails go to the log)', () => {
    expect(loadConfig({}).SMTP_URL).toBeUndefined();
    expect(loadConfig({}).MAIL_FROM).toBe('Porchlight <porchlight@localhost>');
    const c = loadConfig({ SMTP_URL: 'smtp://user:p%40ss@mail.example.com:587', MAIL_FROM: 'Porchlight <alerts@example.com>' });
    expect(c.SMTP_URL).toBe('smtp://user:p%40ss@mail.example.com:587');
    expect(c.MAIL_FROM).toBe('Porchlight <alerts@example.com>');
  });

  it('never echoes SMTP credentials in its error line', () => {
    expect(() => loadConfig({ SMTP_URL: 'ftp://user:hunter2@mail.example.com' })).toThrow(/^Invalid configuration: SMTP_URL: (?!.*hunter2)/);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'not a url' }, 'REDIS_URL'],
    [{ WEBHOOK_RETRY_SCHEDULE: '5,soon' }, 'WEBHOOK_RETRY_SCHEDULE'],
    [{ WEBHOOK_RETRY_SCHEDULE: '1.5' }, 'WEBHOOK_RETRY_SCHEDULE'],
    [{ WEBHOOK_TIMEOUT_MS: 'fast' }, 'WEBHOOK_TIMEOUT_MS'],
    [{ WEBHOOK_TIMEOUT_MS: '10' }, 'WEBHOOK_TIMEOUT_MS'],
    [{ WEBHOOK_LEASE_MARGIN_MS: '4000' }, 'WEBHOOK_LEASE_MARGIN_MS'],
    [{ WEBHOOK_LEASE_MARGIN_MS: '1 min' }, 'WEBHOOK_LEASE_MARGIN_MS'],
    [{ WEBHOOK_ALLOWED_HOSTS: 'http://localhost:4010' }, 'WEBHOOK_ALLOWED_HOSTS'],
    [{ API_SHUTDOWN_TIMEOUT_MS: '10 s' }, 'API_SHUTDOWN_TIMEOUT_MS'],
    [{ WORKER_SHUTDOWN_TIMEOUT_MS: '0' }, 'WORKER_SHUTDOWN_TIMEOUT_MS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ LIVE_STREAMS_MAX: '0' }, 'LIVE_STREAMS_MAX'],
    [{ LIVE_STREAMS_MAX: 'many' }, 'LIVE_STREAMS_MAX'],
    [{ NODE_ENV: 'production' }, 'SESSION_SECRET'],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ DATA_ENCRYPTION_KEY: 'not-a-key' }, 'DATA_ENCRYPTION_KEY'],
    [{ DATA_ENCRYPTION_KEY: 'ab'.repeat(16) }, 'DATA_ENCRYPTION_KEY'],
    [{ DATA_ENCRYPTION_PREVIOUS_KEYS: `${'ab'.repeat(32)},not-a-key` }, 'DATA_ENCRYPTION_PREVIOUS_KEYS'],
    [{ SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://' }, 'SMTP_URL'],
    [{ SMTP_URL: 'mail.example.com:587' }, 'SMTP_URL'],
    [{ MAIL_FROM: 'porchlight' }, 'MAIL_FROM'],
    [{ MAIL_FROM: 'Alerts <a@example.com>\r\nBcc: x@example.com' }, 'MAIL_FROM'],
  ])('fails with one line naming the variable for %j', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message).toMatch(new RegExp(`^Invalid configuration: ${name}: `));
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('reads DATA_ENCRYPTION_KEY as hex or base64, else derives it from SESSION_SECRET (and never echoes a bad value)', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ DATA_ENCRYPTION_KEY: hex }).DATA_ENCRYPTION_KEY.toString('hex')).toBe(hex);
    expect(loadConfig({ DATA_ENCRYPTION_KEY: Buffer.from(hex, 'hex').toString('base64') }).DATA_ENCRYPTION_KEY.toString('hex')).toBe(hex);
    const session = { SESSION_SECRET: 'a-session-secret-of-at-least-32-characters' };
    expect(loadConfig(session).DATA_ENCRYPTION_KEY.equals(deriveDataKey(session.SESSION_SECRET))).toBe(true);
    expect(loadConfig({ ...session, DATA_ENCRYPTION_KEY: hex }).DATA_ENCRYPTION_KEY.toString('hex')).toBe(hex);
    expect(() => loadConfig({ DATA_ENCRYPTION_KEY: 'my-secret-value' })).toThrow(/^Invalid configuration: DATA_ENCRYPTION_KEY: must be 32 bytes as 64 hex characters or base64/);
    expect(() => loadConfig({ DATA_ENCRYPTION_KEY: 'my-secret-value' })).not.toThrow(/my-secret-value/);
    expect(loadConfig({}).DATA_ENCRYPTION_PREVIOUS_KEYS).toEqual([]);
    const b64 = Buffer.from('cd'.repeat(32), 'hex').toString('base64');
    expect(loadConfig({ DATA_ENCRYPTION_PREVIOUS_KEYS: ` ${hex} , ${b64} ` }).DATA_ENCRYPTION_PREVIOUS_KEYS.map((k) => k.toString('hex'))).toEqual([hex, 'cd'.repeat(32)]);
  });

  it('reads TRUST_PROXY as a number of proxy hops (true = 1) and names the variable when it is neither', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(0);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(() => loadConfig({ TRUST_PROXY: 'maybe' })).toThrow('TRUST_PROXY: must be true, false or the number of proxy hops');
  });

  it('turns SIGNUP_VERIFY_FIRST on by default only with a mail server, and lets an explicit value override it', () => {
    const smtp = { SMTP_URL: 'smtp://mail.example.com:587' };
    expect(loadConfig({}).SIGNUP_VERIFY_FIRST).toBe(false);
    expect(loadConfig(smtp).SIGNUP_VERIFY_FIRST).toBe(true);
    expect(loadConfig({ ...smtp, SIGNUP_VERIFY_FIRST: 'false' }).SIGNUP_VERIFY_FIRST).toBe(false);
    expect(loadConfig({ ...smtp, SIGNUP_VERIFY_FIRST: 'off' }).SIGNUP_VERIFY_FIRST).toBe(false);
    expect(loadConfig({ SIGNUP_VERIFY_FIRST: 'true' }).SIGNUP_VERIFY_FIRST).toBe(true);
    expect(loadConfig({ SIGNUP_VERIFY_FIRST: ' Yes ' }).SIGNUP_VERIFY_FIRST).toBe(true);
    expect(loadConfig({ SIGNUP_VERIFY_FIRST: '0' }).SIGNUP_VERIFY_FIRST).toBe(false);
    // Empty means unset: the default follows SMTP_URL.
    expect(loadConfig({ ...smtp, SIGNUP_VERIFY_FIRST: '' }).SIGNUP_VERIFY_FIRST).toBe(true);
    expect(() => loadConfig({ SIGNUP_VERIFY_FIRST: 'maybe' })).toThrow(/^Invalid configuration: SIGNUP_VERIFY_FIRST: must be true or false$/);
  });

  it('reads .env (values under the real environment) and works without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'porchlight-env-'));
    try {
      const envFile = join(dir, '.env');
      writeFileSync(envFile, '# copied from .env.example\nPORT=4321\nLOG_LEVEL=warn\nPUBLIC_URL="https://leads.example.com"\nQUEUE_PREFIX=\n');
      const fromFile = loadConfigFromEnvironment({ env: {}, envFile });
      expect(fromFile).toMatchObject({ PORT: 4321, LOG_LEVEL: 'warn', PUBLIC_URL: 'https://leads.example.com', QUEUE_PREFIX: 'porchlight' });
      // A variable set in the environment wins; an empty one does not hide the file's value.
      expect(loadConfigFromEnvironment({ env: { PORT: '5000', LOG_LEVEL: '' }, envFile })).toMatchObject({ PORT: 5000, LOG_LEVEL: 'warn' });
      expect(loadConfigFromEnvironment({ env: {}, envFile: join(dir, 'missing.env') }).PORT).toBe(3000);
      // One that cannot be read is a configuration error (one line at start), not a stack trace.
      const unreadable = () => loadConfigFromEnvironment({ env: {}, envFile: dir });
      expect(unreadable).toThrow(ConfigError);
      expect(unreadable).toThrow(/^Invalid configuration: cannot read .*porchlight-env-\w+: EISDIR/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(DEFAULT_ENV_FILE).toMatch(/[\\/]\.env$/);
  });
});
