import { describe } from 'vitest';
import { itMaps } from '#test/table.ts';
import { normaliseEmail, normalisePhone } from './normalise-contact.ts';

describe('contact normalisation', () => {
  itMaps(normaliseEmail, 'normalises email %j to %j', [
    ['  Dana@Example.COM ', 'dana@example.com'],
    ['', null],
    [null, null],
  ]);

  itMaps(normalisePhone, 'normalises phone %j to %j', [
    ['+1 (555) 010-0199', '+15550100199'],
    ['555.010.0199', '5550100199'],
    ['020 7946 0958', '02079460958'],
    ['12345', null],
    ['call me maybe', null],
    ['+1234567890123456', null],
    ['', null],
  ]);
});
