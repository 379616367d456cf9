import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { chooseLogFormat, createLogger, createPrettyDestination, formatLogLine } from './logger.ts';

function sink() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('log format', () => {
  it('stays JSON in production and tests, and whenever stdout is not a terminal', () => {
    expect(chooseLogFormat('production', true)).toBe('json');
    expect(chooseLogFormat('test', true)).toBe('json');
    expect(chooseLogFormat('development', false)).toBe('json');
    expect(chooseLogFormat('development', undefined)).toBe('json');
    expect(chooseLogFormat('development', true)).toBe('pretty');
  });

  it('the production path writes one JSON object per line', () => {
    const out = sink();
    const logger = createLogger({ level: 'info', name: 'api', destination: out.stream, format: chooseLogFormat('production', true) });
    logger.info({ method: 'GET', path: '/v1/leads', status: 200, ms: 3.1, ip: '203.0.113.5' }, 'request');
    logger.flush();
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 30, service: 'api', msg: 'request', path: '/v1/leads', ip: '203.0.113.5' });
  });

  it('the development terminal gets one short readable line per event, errors with their stack', () => {
    const out = sink();
    const logger = createLogger({ level: 'info', name: 'api', destination: createPrettyDestination(out.stream) });
    logger.info({ requestId: 'r1', method: 'GET', path: '/v1/leads', status: 200, ms: 3.1, ip: '127.0.0.1' }, 'request');
    logger.error({ err: new Error('boom') }, 'unhandled error');
    const [first, ...rest] = out.text().trimEnd().split('\n');
    expect(first).toMatch(/^\d\d:\d\d:\d\d INFO {2}api request GET \/v1\/leads 200 3\.1ms ip=127\.0\.0\.1$/);
    expect(rest[0]).toMatch(/^\d\d:\d\d:\d\d ERROR api unhandled error$/);
    expect(rest[1]).toBe('    Error: boom');
    expect(rest.slice(2).every((l) => l.startsWith('      at '))).toBe(true);
    expect(out.text()).not.toContain('{"level"');
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLogLine('plain text')).toBe('plain text\n');
  });
});
