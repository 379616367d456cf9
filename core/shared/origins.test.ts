import { describe, expect, it } from 'vitest';
import { itMaps } from '#test/table.ts';
import { MAX_ALLOWED_ORIGINS, normaliseOrigin, originProblem, parseOriginLines, rebaseOriginLines, WILDCARD_ORIGIN_MESSAGE } from './origins.ts';

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
    // Matching is exact: a wildcard would be stored and never match a browser's Origin.
    ['https://*.example.com', null],
    ['https://%2A.example.com', null],
    ['http://*:8080', null],
    ['https://www*.example.com', null],
  ]);

  it('says why an origin is refused: wildcards get their own message', () => {
    expect(originProblem('https://*.example.com')).toBe(WILDCARD_ORIGIN_MESSAGE);
    expect(originProblem('https://%2a.example.com')).toBe(WILDCARD_ORIGIN_MESSAGE);
    expect(originProblem('*.example.com')).toBe(WILDCARD_ORIGIN_MESSAGE);
    expect(originProblem('https://example.com/listings')).toBe('Use an origin like https://example.com (scheme and host, no path)');
  });

  it('explains a wildcard line with the origin to list instead', () => {
    expect(parseOriginLines('https://oak.com\nhttps://*.oak.com\nhttp://*.oak.com:8080\nhttps://*').errors).toEqual([
      'Line 2: “https://*.oak.com”: wildcards are not supported; list each origin, e.g. https://www.oak.com',
      'Line 3: “http://*.oak.com:8080”: wildcards are not supported; list each origin, e.g. http://www.oak.com:8080',
      'Line 4: “https://*”: wildcards are not supported; list each origin, e.g. https://www.example.com',
    ]);
  });

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

  describe('the form\'s origins after the saved list changed under it', () => {
    const before = ['https://a.com', 'https://b.com'];
    it.each([
      ['untouched text becomes the new list', 'https://a.com\nhttps://b.com', ['https://a.com', 'https://b.com', 'https://c.com'], 'https://a.com\nhttps://b.com\nhttps://c.com'],
      ['an edit keeps its lines and gains the added origin', 'https://a.com\nhttps://b.com\nhttps://new.com', ['https://a.com', 'https://b.com', 'https://c.com'], 'https://a.com\nhttps://b.com\nhttps://new.com\nhttps://c.com'],
      ['trailing blank lines go before the added origin', 'https://a.com\nhttp://x.com\n\n', ['https://a.com', 'https://b.com', 'https://c.com'], 'https://a.com\nhttp://x.com\nhttps://c.com'],
      ['an added origin already typed (in any spelling) is not repeated', 'https://A.com/\nhttps://C.com/', ['https://a.com', 'https://b.com', 'https://c.com'], 'https://A.com/\nhttps://C.com/'],
      ['an origin removed elsewhere leaves the edit; lines not yet valid stay', 'https://b.com\noak.com\nhttps://a.com', ['https://a.com'], 'oak.com\nhttps://a.com'],
      ['no change to the list leaves the edit as typed', 'https://a.com\n', before, 'https://a.com\n'],
    ])('%s', (_name, text, after, expected) => {
      expect(rebaseOriginLines(text, before, after)).toBe(expected);
    });
  });
});
