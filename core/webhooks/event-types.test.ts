import { describe, expect, it } from 'vitest';
import {
  createWebhookPayload,
  isSubscribed,
  listWebhookEventTypes,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_EVENTS,
  WEBHOOK_PAYLOAD_MAX_BYTES,
  ZWebhookEventTypeFilter,
} from './event-types.ts';

describe('webhook event catalogue', () => {
  it('lists exactly the event types of the design', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual(['lead.created', 'lead.updated', 'lead.hot', 'lead.deleted', 'inquiry.created', 'reminder.due', 'webhook.test']);
  });

  it.each(WEBHOOK_EVENT_TYPES)('%s: the example validates against its schema and is thin', (type) => {
    const { schema, example } = WEBHOOK_EVENTS[type];
    expect(schema.parse(example)).toEqual(example);
    expect(example.type).toBe(type);
    // "well under 20 KB": the examples are a few hundred bytes; keep them under 2 KB.
    expect(Buffer.byteLength(JSON.stringify(example))).toBeLessThan(2048);
  });

  it.each(WEBHOOK_EVENT_TYPES)('%s: rejects a payload of another type, unknown fields and missing ids', (type) => {
    const { schema, example } = WEBHOOK_EVENTS[type];
    const other = WEBHOOK_EVENT_TYPES.find((t) => t !== type)!;
    expect(schema.safeParse({ ...example, type: other }).success).toBe(false);
    expect(schema.safeParse({ ...example, extra: 1 }).success).toBe(false);
    expect(schema.safeParse({ ...example, data: { ...example.data, surprise: true } }).success).toBe(false);
    expect(schema.safeParse({ ...example, timestamp: 'yesterday' }).success).toBe(false);
    const firstId = Object.keys(example.data).find((k) => k.endsWith('Id'))!;
    expect(schema.safeParse({ ...example, data: { ...example.data, [firstId]: 'not-a-uuid' } }).success).toBe(false);
  });

  it('builds payloads with type, version and timestamp, and refuses invalid data before anything is stored', () => {
    const at = new Date('2026-11-29T10:05:00Z');
    expect(createWebhookPayload('lead.hot', { leadId: '3f0c9a52-7d4e-4b8f-9c1a-2b7e5d6f8a90', score: 72, previousBand: 'warm' }, at)).toEqual({
      type: 'lead.hot', version: 1, timestamp: '2026-11-29T10:05:00.000Z', data: { leadId: '3f0c9a52-7d4e-4b8f-9c1a-2b7e5d6f8a90', score: 72, previousBand: 'warm' },
    });
    expect(() => createWebhookPayload('lead.hot', { leadId: 'x', score: 72, previousBand: 'warm' }, at)).toThrow();
    expect(() => createWebhookPayload('lead.updated', { leadId: '3f0c9a52-7d4e-4b8f-9c1a-2b7e5d6f8a90', changed: [], lead: {}, updatedAt: at.toISOString() }, at)).toThrow();
  });

  it('keeps the largest possible payload under the 20 KB budget', () => {
    const example = WEBHOOK_EVENTS['inquiry.created'].example;
    const largest = createWebhookPayload('inquiry.created', {
      ...example.data, message: '€'.repeat(5000), listingRef: 'x'.repeat(200), pageUrl: `https://e.com/${'p'.repeat(2030)}`,
    }, new Date());
    expect(Buffer.byteLength(JSON.stringify(largest))).toBeLessThan(WEBHOOK_PAYLOAD_MAX_BYTES);
  });

  it('filters endpoints by their event types (null means every type)', () => {
    expect(isSubscribed(null, 'lead.hot')).toBe(true);
    expect(isSubscribed(['lead.hot'], 'lead.hot')).toBe(true);
    expect(isSubscribed(['lead.created'], 'lead.hot')).toBe(false);
    expect(isSubscribed([], 'lead.hot')).toBe(false);
    expect(ZWebhookEventTypeFilter.safeParse(['lead.hot', 'reminder.due']).success).toBe(true);
    expect(ZWebhookEventTypeFilter.safeParse(['lead.exploded']).success).toBe(false);
    expect(ZWebhookEventTypeFilter.safeParse(['lead.hot', 'lead.hot']).success).toBe(false);
    expect(ZWebhookEventTypeFilter.safeParse([]).success).toBe(false);
  });

  it('serves the catalogue with a JSON Schema for each type', () => {
    const list = listWebhookEventTypes();
    expect(list.map((e) => e.type)).toEqual(WEBHOOK_EVENT_TYPES);
    const hot = list.find((e) => e.type === 'lead.hot')!;
    expect(hot.schema).toMatchObject({ type: 'object', required: ['type', 'version', 'timestamp', 'data'], additionalProperties: false });
    expect(JSON.stringify(hot.schema)).toContain('previousBand');
  });
});
