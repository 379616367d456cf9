// A Server-Sent Events client over real HTTP (fetch + a streamed body), for the live-update tests:
// parses `id`, `event` and `data` fields into events and keeps the last id, as EventSource does.
import { expect, vi } from 'vitest';
import { WAIT } from './env.ts';

export interface SseEvent {
  id: string | null;
  event: string;
  data: any;
}

export interface LiveStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  /** Comment lines seen (`: heartbeat`). */
  comments: string[];
  /** The last `id:` received (what a reconnect sends as Last-Event-ID). */
  lastEventId: string | null;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  /** Waits until an event matches, and returns it. */
  waitForEvent(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Opens `path` with the given headers (a session cookie, Last-Event-ID). */
export async function openLiveStream(baseUrl: string, headers: Record<string, string>, path = '/v1/live'): Promise<LiveStream> {
  const abort = new AbortController();
  const res = await fetch(baseUrl + path, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const stream: LiveStream = {
    status: res.status, headers: res.headers, events: [], comments: [], lastEventId: null,
    ended: Promise.resolve(),
    async waitForEvent(match, timeoutMs = WAIT.timeout) {
      return vi.waitFor(() => {
        const found = stream.events.find(match);
        expect(found, `an event among ${JSON.stringify(stream.events.map((e) => e.event))}`).toBeDefined();
        return found!;
      }, { ...WAIT, timeout: timeoutMs });
    },
    close: () => abort.abort(),
  };
  if (!res.body || !res.headers.get('content-type')?.startsWith('text/event-stream')) {
    await res.text().catch(() => undefined);
    return stream;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  stream.ended = (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) {
              stream.comments.push(line.slice(1).trim());
              continue;
            }
            const i = line.indexOf(':');
            if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, '');
          }
          if (fields.id !== undefined) stream.lastEventId = fields.id;
          if (fields.data !== undefined) stream.events.push({ id: fields.id ?? null, event: fields.event ?? 'message', data: JSON.parse(fields.data) });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return stream;
}
