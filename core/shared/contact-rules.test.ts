import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { itMaps } from '#test/table.ts';
import { EMAIL_PATTERN, isEmail, normalisePhone } from './contact-rules.ts';

describe('the shared email pattern', () => {
  itMaps(isEmail, '%j is an email address: %s', [
    ['dana@example.com', true],
    ['first.last+tag@sub.example.co.uk', true],
    ["o'neil@example.ie", true],
    ['dana@example', false],
    ['dana@@example.com', false],
    ['dana @example.com', false],
    ['.dana@example.com', false],
    ['da..na@example.com', false],
    ['dana@-example.com', false],
    ['dana@example.c', false],
    ['', false],
  ]);

  it('is the pattern zod 4 uses for z.email(), so moving the server onto it changed nothing', () => {
    expect(EMAIL_PATTERN.source).toBe(z.regexes.email.source);
    expect(EMAIL_PATTERN.flags).toBe(z.regexes.email.flags);
  });
});

describe('phone numbers', () => {
  itMaps(normalisePhone, '%j → %j', [
    ['+1 (555) 010-0199', '+15550100199'],
    ['  555/010.0199 ', '5550100199'],
    ['1234567', '1234567'],
    ['123456', null],
    ['1234567890123456', null],
    ['555-CALL-NOW', null],
    ['', null],
    [undefined, null],
  ]);
});
