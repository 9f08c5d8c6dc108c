import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ALLOWED_METHODS } from '../http/allowed-methods';

/**
 * The server's 'connect' handler. Without one, Node closes the connection of a CONNECT request
 * (a proxy tunnel) without a word; this is not a proxy, so the client is told: 405, and what is
 * allowed. The connection is closed after the answer.
 */
export function refuseConnect(_req: IncomingMessage, socket: Duplex): void {
  const body =
    '{"statusCode":405,"error":"Method Not Allowed","message":"CONNECT is not allowed: this is not a proxy"}';
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\nAllow: ${ALLOWED_METHODS}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
