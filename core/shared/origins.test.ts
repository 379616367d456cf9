import { describe, expect, it } from 'vitest';
import { itMaps } from '#test/table.ts';
import { MAX_ALLOWED_ORIGINS, normaliseOrigin, parseOriginLines } from './origins.ts';

describe('allowed origins', () => {
  itMaps(normaliseOrigin, '%j → %j', [
    ['https://Example.com/', 'https://example.com'],
    ['  http://localhost:5173 ', 'http://localhost:5173'],
    ['https://example.com:443', 'https://example.com'],
    ['https://example.com/listings', null],
    ['https://example.com/?q=1', null],
    ['https://user:pw@example.com', null],
    ['ftp://example.com', null],
    ['example.com', null],
  ]);

  it('reads one origin per line, drops blanks and duplicates, and explains each bad line', () => {
    expect(parseOriginLines('https://a.com\n\nhttps://A.com/\r\nhttp://b.com')).toEqual({ origins: ['https://a.com', 'http://b.com'], errors: [] });
    expect(parseOriginLines('oak.com\nhttps://oak.com/listings\nftp://oak.com').errors).toEqual([
      'Line 1: “oak.com” needs a scheme: try https://oak.com',
      'Line 2: “https://oak.com/listings” has a path; use just https://oak.com',
      'Line 3: “ftp://oak.com” must start with https:// or http://',
    ]);
  });

  it(`refuses more than ${MAX_ALLOWED_ORIGINS} origins`, () => {
    const lines = Array.from({ length: MAX_ALLOWED_ORIGINS + 1 }, (_, i) => `https://s${i}.example.com`).join('\n');
    expect(parseOriginLines(lines).errors).toEqual([`Use at most ${MAX_ALLOWED_ORIGINS} origins`]);
  });
});
