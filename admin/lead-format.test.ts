// How timeline entries read, and which lead-supplied URLs may become links.
import { describe, expect, it } from 'vitest';
import type { TimelineItem } from './api-client.ts';
import { describeTimelineItem, formatPhone, formatWaiting, leadDisplayName, phoneHrefs } from './lead-format.ts';

const base: TimelineItem = { kind: 'event', id: '00000000-0000-4000-8000-000000000001', at: '2026-03-01T10:00:00.000Z', eventType: null, eventValue: null, listingRef: null, pageUrl: null, message: null, source: null,
  listingTitle: null, listingUrl: null, listingImageUrl: null, visitorId: null, props: null, activityType: null, outcome: null, body: null, meta: null, actor: null, editable: false };

describe('timeline labels', () => {
  it.each([
    [{ eventType: 'page_view', listingRef: 'oak-12' }, 'Viewed listing oak-12'],
    [{ eventType: 'page_view' }, 'Viewed a page'],
    [{ eventType: 'tool_interaction', eventValue: 'mortgage_calculator' }, 'Used mortgage calculator'],
    [{ eventType: 'tool_interaction', eventValue: 'Mortgage Calculator' }, 'Used mortgage calculator'],
    [{ eventType: 'tool_interaction', eventValue: 'affordability-calculator' }, 'Used affordability calculator'],
    [{ eventType: 'tool_interaction', eventValue: 'showing_request', listingRef: 'oak-12' }, 'Requested a showing of oak-12'],
    [{ eventType: 'tool_interaction', eventValue: 'favourite_listing', listingRef: 'elm-4' }, 'Saved listing elm-4'],
    [{ eventType: 'save_listing', listingRef: 'elm-4' }, 'Saved listing elm-4'],
    [{ eventType: 'tool_interaction', eventValue: 'school_finder' }, 'Used School finder'],
    [{ eventType: 'identify' }, 'Shared their contact details'],
    [{ eventType: 'video_tour', eventValue: '3 min', listingRef: 'oak-12' }, 'Video tour: 3 min (listing oak-12)'],
    [{ kind: 'inquiry' as const, source: 'widget', message: 'Hi' }, 'Inquiry from the website form'],
    [{ kind: 'inquiry' as const, source: 'manual', message: 'Called' }, 'Inquiry added by you'],
    [{ kind: 'inquiry' as const, source: 'api', message: 'Via CRM' }, 'Inquiry via the API'],
  ])('%j reads "%s"', (overrides, expected) => {
    expect(describeTimelineItem({ ...base, ...overrides })).toBe(expected);
  });
});

describe('lead names', () => {
  it('falls back from name to email to phone', () => {
    expect(leadDisplayName({ name: '  ', email: 'a@example.com', phone: null })).toBe('a@example.com');
    expect(leadDisplayName({ name: null, email: null, phone: '+15550100199' })).toBe('+15550100199');
    expect(leadDisplayName({ name: null, email: null, phone: null })).toBe('Unnamed lead');
  });
});

describe('phone display', () => {
  it.each([
    ['+14155550134', 'US', '(415) 555-0134'],
    ['+15550100199', 'US', '(555) 010-0199'],
    ['+442079460958', 'US', '+44 20 7946 0958'],
    ['+33612345678', 'US', '+33 6 12 34 56 78'],
    ['+442079460958', 'GB', '020 7946 0958'],
    ['+14155550134', 'GB', '+1 415 555 0134'],
    ['+16135550123', 'CA', '(613) 555-0123'],
    // Stored before E.164 (digits only): read in the home country.
    ['4155550134', 'US', '(415) 555-0134'],
    ['not a phone', 'US', 'not a phone'],
  ])('%s reads %s in %s', (phone, country, expected) => {
    expect(formatPhone(phone, country)).toBe(expected);
  });

  it('links to tel: and sms: with the E.164 number', () => {
    expect(phoneHrefs('+14155550134')).toEqual({ tel: 'tel:+14155550134', sms: 'sms:+14155550134' });
    expect(phoneHrefs('4155550134', 'US')).toEqual({ tel: 'tel:+14155550134', sms: 'sms:+14155550134' });
  });
});

describe('how long a lead has waited', () => {
  it.each([
    [30, 'under a minute'],
    [60, '1 minute'],
    [59 * 60, '59 minutes'],
    [3600, '1 hour'],
    [47 * 3600 + 3599, '47 hours'],
    [48 * 3600, '2 days'],
    [10 * 86400, '10 days'],
  ])('%i s reads "%s"', (seconds, expected) => {
    expect(formatWaiting(seconds)).toBe(expected);
  });
});
