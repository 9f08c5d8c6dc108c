import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { ALLOWED_METHODS } from './allowed-methods';
import { rawErrorResponse } from './error-body';
import type { RequestBookkeeping } from './request-bookkeeping';

const REASON = 'CONNECT is not allowed: this is not a proxy';

/**
 * The server's 'connect' handler. Without one, Node closes the connection of a CONNECT request
 * (a proxy tunnel) without a word; this is not a proxy, so the client is told: 405, and what is
 * allowed. The request is logged and counted under the route "rejected"; the connection is closed.
 */
export function createConnectRefusal(
  bookkeeping: RequestBookkeeping,
): (req: IncomingMessage, socket: Socket) => void {
  return (req, socket) => {
    const requestId = bookkeeping.recordRejected(socket, 405, REASON, {
      method: 'CONNECT',
      path: req.url ?? null,
    });
    socket.end(
      rawErrorResponse(405, REASON, {
        Allow: ALLOWED_METHODS,
        Version: bookkeeping.versionHeader,
        'X-Request-Id': requestId,
      }),
    );
  };
}
