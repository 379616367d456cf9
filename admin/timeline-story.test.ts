// How the lead's story reads: events by listing title, activities by what was done and by whom,
// URLs by their path, props as labels.
import { describe, expect, it } from 'vitest';
import type { TimelineItem } from './api-client.ts';
import { formatDateTime } from './format.ts';
import { activityFootnote, describeActivity, describeActor, describeEvent, formatProps, shortUrl } from './timeline-story.ts';

const base: TimelineItem = {
  kind: 'event', id: '00000000-0000-4000-8000-000000000001', at: '2026-03-01T10:00:00.000Z', eventType: null, eventValue: null, listingRef: null, pageUrl: null,
  message: null, source: null, listingTitle: null, listingUrl: null, listingImageUrl: null, visitorId: null, props: null, activityType: null, outcome: null,
  body: null, meta: null, actor: null, editable: false,
};
const activity = (over: Partial<TimelineItem>): TimelineItem => ({ ...base, kind: 'activity', ...over });

describe('events', () => {
  it.each([
    [{ eventType: 'page_view', listingRef: 'oak-12', listingTitle: '12 Oak Street' }, 'Viewed 12 Oak Street'],
    [{ eventType: 'page_view', listingRef: 'oak-12' }, 'Viewed listing oak-12'],
    [{ eventType: 'tool_interaction', eventValue: 'showing_request', listingRef: 'oak-12', listingTitle: '12 Oak Street' }, 'Requested a showing of 12 Oak Street'],
    [{ eventType: 'save_listing', listingRef: 'elm-4', listingTitle: '  ' }, 'Saved listing elm-4'],
  ])('%j reads "%s"', (over, expected) => {
    expect(describeEvent({ ...base, ...over })).toBe(expected);
  });

  it.each([
    ['https://homes.example/listings/oak-12?utm_source=x#top', '/listings/oak-12'],
    ['https://homes.example/', 'homes.example'],
    ['https://homes.example/l/caf%C3%A9-12', '/l/café-12'],
    ['not a url', 'not a url'],
    [null, null],
  ])('shortUrl(%j) → %j', (url, expected) => {
    expect(shortUrl(url)).toBe(expected);
  });

  it('props read as labels, nulls left out', () => {
    expect(formatProps({ room: 'Kitchen', step: 3, virtual_tour: true, empty: null })).toBe('Room: Kitchen · Step: 3 · Virtual tour: yes');
    expect(formatProps({ empty: null })).toBeNull();
    expect(formatProps(null)).toBeNull();
  });
});

describe('activities', () => {
  it.each([
    [{ activityType: 'call' as const, outcome: 'left_voicemail' }, 'Called — left voicemail'],
    [{ activityType: 'call' as const, outcome: 'no_answer' }, 'Called — no answer'],
    [{ activityType: 'call' as const }, 'Called'],
    [{ activityType: 'text' as const, outcome: 'sent' }, 'Texted'],
    [{ activityType: 'email' as const, outcome: 'replied' }, 'Emailed — they replied'],
    [{ activityType: 'showing' as const, outcome: 'scheduled' }, 'Showing — scheduled'],
    [{ activityType: 'call' as const, outcome: 'booked_second_viewing' }, 'Called — booked second viewing'],
    [{ activityType: 'note' as const, body: 'Prefers texts' }, 'Note'],
    [{ activityType: 'status_change' as const, meta: { from: 'new', to: 'contacted' } }, 'Status: New → Contacted'],
    [{ activityType: 'stage_change' as const, meta: { fromLabel: 'New', toLabel: 'Showing' } }, 'Stage: New → Showing'],
    [{ activityType: 'stage_change' as const, meta: { toLabel: 'Offer' } }, 'Moved to Offer'],
    [{ activityType: 'reminder_completed' as const, meta: { message: 'Call within 1 hour — lead turned hot' } }, 'Reminder done: Call within 1 hour — lead turned hot'],
    [{ activityType: 'reminder_dismissed' as const, meta: {} }, 'Reminder dismissed'],
    [{ activityType: 'reminder_reopened' as const, meta: { message: 'Call Jordan about the offer', from: 'dismissed' } }, 'Reminder reopened: Call Jordan about the offer'],
    [{ activityType: 'reminder_reopened' as const, meta: { from: 'done' } }, 'Reminder reopened'],
    [{ activityType: 'reminder_rescheduled' as const, meta: { message: 'Send the HOA documents', reminderDate: '2026-03-02T15:30:00.000Z' } }, `Reminder moved: Send the HOA documents (to ${formatDateTime('2026-03-02T15:30:00.000Z')})`],
    [{ activityType: 'reminder_rescheduled' as const, meta: {} }, 'Reminder moved'],
    [{ activityType: 'reminder_rescheduled' as const, meta: { message: 'Call about the appraisal', reminderDate: '2026-03-02T15:30:00.000Z', undid: 'snooze' } }, `Snooze undone: Call about the appraisal (back to ${formatDateTime('2026-03-02T15:30:00.000Z')})`],
  ])('%j reads "%s"', (over, expected) => {
    expect(describeActivity(activity(over))).toBe(expected);
  });

  it('says who did it', () => {
    const me = '00000000-0000-4000-8000-00000000000a';
    expect(describeActor(activity({ actor: { userId: me, username: 'dana' } }), me)).toBe('by you');
    expect(describeActor(activity({ actor: { userId: '00000000-0000-4000-8000-00000000000b', username: 'sam' } }), me)).toBe('by sam');
    expect(describeActor(activity({ actor: null }), me)).toBe('automatically');
    expect(describeActor(base, me)).toBeNull();
  });

  it('a reminder completed by logging a contact says so', () => {
    expect(activityFootnote(activity({ activityType: 'reminder_completed', meta: { reason: 'contact_logged' } }))).toBe('Completed when the contact was logged');
    expect(activityFootnote(activity({ activityType: 'reminder_completed', meta: {} }))).toBeNull();
  });
});
