// Which of the API server's connections are answering a request, for the graceful shutdown in
// api/main.ts.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface OpenConnections {
  /**
   * Destroys every connection that is not answering a request (a response not yet finished), and
   * returns how many. Call only while stopping: a client that is sending a request's headers right
   * now loses it.
   */
  closeWaiting(): number;
}

/**
 * Tracks the server's connections from now on. Node's `server.closeIdleConnections()` closes a
 * keep-alive connection between two requests, but not one that has not yet sent all the headers of
 * a request — a browser's preconnected socket, a load balancer's warm pool, a client whose request
 * is slow to arrive — and `server.close()` waits for those until the client gives up or
 * `headersTimeout` (60 s) ends them: a stop took as long as the client kept the socket, or hit the
 * shutdown timeout (API_SHUTDOWN_TIMEOUT_MS) and exited 1. A connection counts as answering from its request's `request` event (the
 * headers are in; its body may still be coming) until the response has finished or the connection
 * closed.
 */
export function trackOpenConnections(server: Server): OpenConnections {
  /** Each open connection → how many of its requests are being answered (HTTP/1.1: 0 or 1). */
  const answering = new Map<Socket, number>();
  server.on('connection', (socket: Socket) => {
    answering.set(socket, 0);
    socket.once('close', () => answering.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    answering.set(socket, (answering.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const n = answering.get(socket);
      if (n !== undefined) answering.set(socket, Math.max(0, n - 1));
    });
  });
  return {
    closeWaiting() {
      let closed = 0;
      for (const [socket, n] of answering) {
        if (n > 0) continue;
        socket.destroy();
        closed++;
      }
      return closed;
    },
  };
}
