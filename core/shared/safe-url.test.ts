// One table for the one definition: the admin's links and the email templates' hrefs both use it.
import { describe, expect, it } from 'vitest';
import { safeHttpUrl } from './safe-url.ts';

describe('safeHttpUrl: lead-supplied URLs become links only when they are absolute http(s)', () => {
  it.each([
    ['https://oak.example/listings/oak-12', 'https://oak.example/listings/oak-12'],
    ['https://example.com/a?b=1', 'https://example.com/a?b=1'],
    ['http://oak.example/', 'http://oak.example/'],
    ['http://example.com', 'http://example.com/'],
    ['javascript:alert(1)', null],
    ['JaVaScRiPt:alert(1)', null],
    ['data:text/html,<script>alert(1)</script>', null],
    ['//evil.example/x', null],
    ['/relative', null],
    ['', null],
    [null, null],
  ])('%s → %s', (input, expected) => {
    expect(safeHttpUrl(input)).toBe(expected);
  });
});
