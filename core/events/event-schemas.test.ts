import { describe, expect, it } from 'vitest';
import { ZInquiryBody } from '../inquiries/inquiry-schemas.ts';
import { ZCollectBody } from './event-schemas.ts';
import { clampEventTime, MAX_EVENT_AGE_MS } from './record-events.ts';

const ID = '3f0c2a4e-8b1d-4c6e-9f2a-1b3c5d7e9f01';
const base = { site: 'pk_abc', visitor: 'v_1', events: [{ id: ID, type: 'page_view' }] };
const withEvent = (e: Record<string, unknown>) => ({ ...base, events: [{ id: ID, type: 'page_view', ...e }] });

describe('collect body', () => {
  it.each([
    ['a minimal batch', base],
    ['a custom event type', withEvent({ type: 'showing_request' })],
    ['a 40-character type', withEvent({ type: `a${'b'.repeat(39)}` })],
    ['a non-v4 UUID', withEvent({ id: '00000000-0000-0000-0000-000000000000' })],
    ['props of every allowed kind', withEvent({ props: { s: 'x', n: 1.5, b: false, z: null } })],
    ['unicode text', withEvent({ value: 'Café 🏡 Straße' })],
    ['an unknown key (ignored)', { ...base, referrer: 'https://google.com' }],
  ])('accepts %s', (_n, body) => {
    expect(ZCollectBody.safeParse(body).success).toBe(true);
  });

  it.each([
    ['a tab in a value', withEvent({ value: 'a\tb' }), 'events.0.value'],
    ['DEL in a value', withEvent({ value: 'a\u007fb' }), 'events.0.value'],
    ['a lone low surrogate', withEvent({ value: '\udc00x' }), 'events.0.value'],
    ['an ftp URL', withEvent({ url: 'ftp://x.example/a' }), 'events.0.url'],
    ['a relative URL', withEvent({ url: '/listings/oak' }), 'events.0.url'],
    ['an empty prop key', withEvent({ props: { '': 1 } }), 'events.0.props.'],
    ['an array prop', withEvent({ props: { a: [1] } }), 'events.0.props.a'],
  ])('refuses %s', (_n, body, path) => {
    const parsed = ZCollectBody.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('inquiry body', () => {
  const inquiry = { site: 'pk_abc', id: ID, email: ' A@B.co ', message: ' Line one\r\n\tLine two ' };

  it('normalises contact fields and keeps line breaks in the message', () => {
    const parsed = ZInquiryBody.parse({ ...inquiry, phone: '', name: '  ' });
    expect(parsed).toMatchObject({ email: 'a@b.co', phone: undefined, name: undefined, message: 'Line one\r\n\tLine two' });
  });

  it('takes null as absent', () => {
    expect(ZInquiryBody.parse({ ...inquiry, email: null, phone: '+1 555 010 0199', visitor: null, listing: null, url: null, hp: null }).phone).toBe('+15550100199');
  });
});

describe('client timestamps', () => {
  const now = new Date('2026-01-15T12:00:00Z');
  it.each([
    ['absent', undefined, now.getTime()],
    ['in the past hour', now.getTime() - 3_600_000, now.getTime() - 3_600_000],
    ['in the future', now.getTime() + 60_000, now.getTime()],
    ['two days old', now.getTime() - 2 * 86_400_000, now.getTime() - MAX_EVENT_AGE_MS],
    ['zero', 0, now.getTime() - MAX_EVENT_AGE_MS],
    ['negative', -5, now.getTime() - MAX_EVENT_AGE_MS],
  ])('clamps %s', (_n, ts, expected) => {
    expect(clampEventTime(ts, now).getTime()).toBe(expected);
  });
});
