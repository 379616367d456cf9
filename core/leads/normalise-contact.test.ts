import { describe, expect, it } from 'vitest';
import { normaliseEmail, normalisePhone } from './normalise-contact.ts';

describe('contact normalisation', () => {
  it.each([
    ['  Dana@Example.COM ', 'dana@example.com'],
    ['', null],
    [null, null],
  ])('normalises email %j to %j', (input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
  });

  it.each([
    ['+1 (555) 010-0199', '+15550100199'],
    ['555.010.0199', '5550100199'],
    ['020 7946 0958', '02079460958'],
    ['12345', null],
    ['call me maybe', null],
    ['+1234567890123456', null],
    ['', null],
  ])('normalises phone %j to %j', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });
});
