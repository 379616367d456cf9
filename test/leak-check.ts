// Fails a test file that leaves a server, database or Redis connection open (graphile-worker's
// leak check, in spirit). Runs after the file's own afterAll hooks: setup-file hooks run last.
import { afterAll } from 'vitest';

const LEAK_KINDS = new Set(['TCPSocketWrap', 'TCPServerWrap', 'TCPWRAP']);
const SETTLE_MS = 3000;

function openHandles(): string[] {
  return process.getActiveResourcesInfo().filter((k) => LEAK_KINDS.has(k));
}

afterAll(async () => {
  const deadline = Date.now() + SETTLE_MS;
  // Sockets close asynchronously after quit()/end(): give them a moment, checking each tick.
  while (openHandles().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  const left = openHandles();
  if (left.length) throw new Error(`test file left ${left.length} network handle(s) open: ${left.join(', ')} — close servers, pools, Redis connections and workers in afterAll`);
});
