// "Other contact" only when it says more than the email and phone beside it.
import { describe, expect, it } from 'vitest';
import { extraContactInfo } from './contact-info.ts';

const email = 'dana.w@example.com';
const phone = '+15550100142';

describe('extraContactInfo', () => {
  it.each([
    ['dana.w@example.com · +15550100142', null],
    ['Dana.W@Example.com', null],
    ['+15550100142', null],
    ['(555) 010-0142', null],
    ['+1 555 010 0142 / dana.w@example.com', null],
    ['Email: dana.w@example.com, Phone: (555) 010-0142', null],
    ['', null],
    ['   ', null],
    [null, null],
    ['dana.w@example.com · call after 6pm', 'dana.w@example.com · call after 6pm'],
    ['Work: +1 555 010 9999', 'Work: +1 555 010 9999'],
    ['dana@work.example', 'dana@work.example'],
    ['WhatsApp +15550100142', 'WhatsApp +15550100142'],
  ])('%j → %j', (info, expected) => {
    expect(extraContactInfo(info, email, phone)).toBe(expected);
  });

  it('keeps everything when the lead has no email or phone to repeat', () => {
    expect(extraContactInfo('dana.w@example.com', null, null)).toBe('dana.w@example.com');
  });
});
