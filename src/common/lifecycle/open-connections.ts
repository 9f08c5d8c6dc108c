import { Injectable } from '@nestjs/common';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { markConnectionReady, msSinceConnectionReady } from './connection-clock';
import { SlotSet } from './slot-set';

/** Node's per-socket HTTP state that tells whether a request is still arriving on it. */
type HttpSocket = Socket & {
  _httpMessage?: unknown;
  parser?: { incoming?: { complete: boolean } | null } | null;
};

/** The error Node's own timeout check hands to the server's 'clientError' handler, with the reason given to the client. */
function requestTimeoutAtShutdown(): Error {
  return Object.assign(new Error('Request timeout'), {
    code: 'ERR_HTTP_REQUEST_TIMEOUT',
    reason: 'the service is shutting down and the request had not arrived in full',
  });
}

/**
 * The server's open connections. Node stops checking HEADERS_TIMEOUT_MS and REQUEST_TIMEOUT_MS
 * once the listener is closed, so during a shutdown a client that stalls in the middle of a
 * request would hold the process until SHUTDOWN_TIMEOUT_MS; the shutdown ends such requests here.
 */
@Injectable()
export class OpenConnections {
  private readonly sockets = new SlotSet<HttpSocket>();

  /** The server's 'connection' listener. */
  readonly track = (socket: Socket): void => {
    markConnectionReady(socket);
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  };

  /**
   * Answers 408 (through the server's own 'clientError' handler, as Node's timeout check would) to
   * every request that has been arriving for longer than graceMs: its head or body incomplete.
   * Idle keep-alive connections must have been closed first (server.closeIdleConnections()).
   */
  endStalledRequests(server: Server, graceMs: number): void {
    for (const socket of this.sockets) {
      if (isReceiving(socket) && msSinceConnectionReady(socket) > graceMs) {
        server.emit('clientError', requestTimeoutAtShutdown(), socket);
      }
    }
  }

  get size(): number {
    return this.sockets.size;
  }
}

/**
 * True while a request is arriving on the socket: a body still incomplete, or (no response being
 * written) a head not yet complete. A socket that is ending after its last response is finishing.
 */
function isReceiving(socket: HttpSocket): boolean {
  if (socket.destroyed || !socket.writable || socket.parser == null) return false;
  const incoming = socket.parser.incoming;
  if (incoming != null && !incoming.complete) return true;
  return socket._httpMessage == null;
}
