import type { RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { peerAddress } from '../../common/http/client-address';

/**
 * Requests one connection may have in flight at once: a client that pipelines requests and never
 * reads the answers would otherwise make the service hold all of them (docs/reliability.md,
 * "Abusive clients"). Real clients do not pipeline this deep.
 */
export const MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION = 64;

const QUEUED = Symbol('httpserver.requestsQueued');
type CountedSocket = Socket & { [QUEUED]?: number };

/**
 * Wraps the server's request listener with the per-connection bound. Only pipelined requests are
 * counted: Node gives a response its socket at once when nothing is ahead of it, and queues it
 * (socket null) behind the response in progress otherwise. So the usual, unpipelined request pays
 * one comparison, and a connection has at most one answered request plus the queued ones.
 */
export function boundPipelining(listener: RequestListener, logger: Logger): RequestListener {
  return (req, res) => {
    if (res.socket !== null) {
      listener(req, res);
      return;
    }
    const socket = req.socket as CountedSocket;
    // The rest of a chunk that overran the bound is still parsed after the connection is closed.
    if (socket.destroyed) return;
    const queued = (socket[QUEUED] ?? 0) + 1;
    if (queued >= MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION) {
      logger.warn(
        { clientIp: peerAddress(socket), limit: MAX_REQUESTS_IN_FLIGHT_PER_CONNECTION },
        'connection closed: too many pipelined requests in flight',
      );
      socket.destroy();
      return;
    }
    socket[QUEUED] = queued;
    res.once('close', countQueuedClosed);
    listener(req, res);
  };
}

/** A shared listener (no closure per request); 'close' fires once per response, however it ends. */
function countQueuedClosed(this: ServerResponse): void {
  const socket = this.req.socket as CountedSocket;
  socket[QUEUED] = (socket[QUEUED] ?? 1) - 1;
}
