import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../../core/shared/contact-rules.ts';
import { type InquiryValues, validate } from './validate.ts';

const ok: InquiryValues = { name: '', email: 'dana@example.com', phone: '', message: 'Still available?', consent: true };

describe('the form’s client-side checks', () => {
  it.each<[string, Partial<InquiryValues>, Record<string, string>]>([
    ['an email is enough', {}, {}],
    ['a phone is enough', { email: '', phone: '+1 (555) 010-0199' }, {}],
    ['neither email nor phone', { email: '' }, { email: 'Enter an email or a phone number' }],
    ['an email without a domain', { email: 'dana@' }, { email: 'Enter a valid email address' }],
    ['a phone with 6 digits', { phone: '555-010' }, { phone: 'Enter a phone number of 7 to 15 digits' }],
    ['a phone with 16 digits', { phone: '1234567890123456' }, { phone: 'Enter a phone number of 7 to 15 digits' }],
    ['a phone with letters and 2 digits', { phone: '555 CALL NOW 12' }, { phone: 'Enter a phone number of 7 to 15 digits' }],
    ['no message', { message: '' }, { message: 'Write a message' }],
    ['no consent', { consent: false }, { consent: 'Check the box so the agent may contact you' }],
  ])('%s', (_, change, errors) => {
    expect(validate({ ...ok, ...change })).toEqual(errors);
  });

  it.each(['dana@example', 'dana@example.c', '.dana@example.com', 'da..na@example.com'])('refuses %j as the API does (the shared email pattern)', (email) => {
    expect(validate({ ...ok, email }).email).toBe('Enter a valid email address');
  });

  it.each(['+1 (555) 010-0199', '555.010.0199', '020 7946 0958', '1234567', '123456', '1234567890123456', '555 CALL NOW', '+44/20 7946-0958', '12345678#'])(
    'never refuses the phone %j when the API would take it (the API alone refuses letters)',
    (phone) => {
      if (normalisePhone(phone) !== null) expect(validate({ ...ok, email: '', phone }).phone).toBeUndefined();
      if (!/[^+\d\s().\-/]/.test(phone)) expect(validate({ ...ok, email: '', phone }).phone === undefined).toBe(normalisePhone(phone) !== null);
    },
  );
});
