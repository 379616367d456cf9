// Stream ids order numerically (not as strings), and each event is one well-formed SSE frame.
import { describe, expect, it } from 'vitest';
import { itMaps } from '#test/table.ts';
import { compareStreamIds, sseFrame } from './live-hub.ts';

describe('compareStreamIds', () => {
  itMaps(([a, b]: [string, string]) => compareStreamIds(a, b), '%j → %j', [
    [['1-0', '1-0'], 0],
    [['1-0', '1-1'], -1],
    [['2-0', '1-9'], 1],
    [['9-0', '10-0'], -1], // "9" > "10" as strings
    [['1764414305120-12', '1764414305120-2'], 1],
    [['0-0', '1764414305120-0'], -1],
  ]);
});

describe('sseFrame', () => {
  it('writes id, event and one-line JSON data, ended by a blank line', () => {
    const frame = sseFrame({ id: '5-1', type: 'lead.created', data: { leadId: 'x', name: 'Line\nbreak' } });
    expect(frame).toBe('id: 5-1\nevent: lead.created\ndata: {"leadId":"x","name":"Line\\nbreak"}\n\n');
  });
});
