import type { Request, Response } from 'express';
import { maxHeaderSize, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { UNMATCHED_ROUTE } from '../../common/http/routes';
import { CLIENT_CLOSED_REQUEST } from './access-log';
import { errorBody, rawErrorResponse } from './error-body';
import type { RequestBookkeeping } from './request-bookkeeping';

/** How long a client has to take the error reply before its connection is cut. */
const REPLY_FLUSH_TIMEOUT_MS = 5000;

/** Characters of an HTTP method token (RFC 9110 tchar). */
const REQUEST_LINE_START = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /;

/** Errors that mean the client is gone: nothing can be answered. */
const CLIENT_GONE = new Set(['ECONNRESET', 'EPIPE', 'HPE_INVALID_EOF_STATE']);

export interface ParseError extends Error {
  code?: string;
  /** The chunk being parsed when the error happened, and how far into it the parser got. */
  rawPacket?: Buffer;
  bytesParsed?: number;
  /** Set by the service itself when it ends a request (the shutdown): what the client is told. */
  reason?: string;
}

/** Node's per-socket HTTP state: the response being written, and the request being received. */
export type HttpSocket = Socket & {
  _httpMessage?: NodeJS.EventEmitter | null;
  parser?: { incoming?: IncomingMessage | null } | null;
  server?: { headersTimeout?: number; requestTimeout?: number };
};

/**
 * The server's 'clientError' handler. Node calls it when the parser refuses a request, when a
 * request does not arrive within HEADERS_TIMEOUT_MS or REQUEST_TIMEOUT_MS, and when the client
 * closes or resets the connection in the middle of a request.
 *
 * - A request still being received (its body stalled, was cut short, or was malformed) is ended
 *   through its own response: 408, 400 or 413 in the service's error shape, or, when the client is
 *   gone, by closing the socket (499). Either way it is logged and counted once, and the socket is
 *   never left half-open.
 * - A request refused before it became a request object is answered on the socket, after the
 *   responses still owed to requests pipelined ahead of it, and logged and counted under the route
 *   "rejected". Its status is Node's (400, 408, 413, 431), except that a request line over the
 *   header limit gets 414 URI Too Long rather than 431.
 */
export function createClientErrorHandler(
  bookkeeping: RequestBookkeeping,
): (error: ParseError, socket: HttpSocket) => void {
  const handle = (error: ParseError, socket: HttpSocket): void => {
    const receiving = socket.parser?.incoming;
    if (receiving && !receiving.complete) {
      endRequestBeingReceived(receiving as Request, error, socket, bookkeeping);
      return;
    }
    const owed = socket._httpMessage;
    if (owed) {
      owed.once('close', () => {
        handle(error, socket);
      });
      return;
    }
    if (CLIENT_GONE.has(error.code ?? '') || !socket.writable) {
      if (error.code === 'HPE_INVALID_EOF_STATE') {
        bookkeeping.recordRejected(
          socket,
          CLIENT_CLOSED_REQUEST,
          'the client closed the connection mid-request',
        );
      }
      socket.destroy();
      return;
    }
    const { status, reason } = describeParseError(error, socket);
    // A connection that never sent a byte had no request: it is answered as Node would, not logged.
    const headers: Record<string, string> = { Version: bookkeeping.versionHeader };
    if (socket.bytesRead > 0) headers['X-Request-Id'] = bookkeeping.recordRejected(socket, status, reason);
    // end() rather than write() then destroy(): the reply may be queued behind the owed responses,
    // and destroy() would drop it. A client that stops reading is cut after the timeout.
    socket.setTimeout(REPLY_FLUSH_TIMEOUT_MS, () => socket.destroy());
    socket.end(rawErrorResponse(status, reason, headers), () => socket.destroy());
  };
  return handle;
}

/**
 * The request whose head has arrived but whose body has not: it has a response object, so it is
 * answered (or, with its client gone, closed) through that, and the bookkeeping sees it end.
 */
function endRequestBeingReceived(
  req: Request,
  error: ParseError,
  socket: HttpSocket,
  bookkeeping: RequestBookkeeping,
): void {
  const res = req.res as Response | undefined;
  if (res === undefined) {
    socket.destroy();
    return;
  }
  bookkeeping.open(req, res, UNMATCHED_ROUTE);
  if (CLIENT_GONE.has(error.code ?? '') || res.headersSent || !socket.writable) {
    socket.destroy();
    return;
  }
  const { status, reason } = describeParseError(error, socket, true);
  bookkeeping.recordErrorReason(res, reason);
  res.statusCode = status;
  res.setHeader('Connection', 'close');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  socket.setTimeout(REPLY_FLUSH_TIMEOUT_MS, () => socket.destroy());
  res.end(JSON.stringify(errorBody(status, reason)));
}

/** The status and the reason given to the client (and the access log) for a parser error. */
export function describeParseError(
  error: ParseError,
  socket: HttpSocket,
  inBody = false,
): { status: number; reason: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT': {
      if (error.reason !== undefined) return { status: 408, reason: error.reason };
      const limit = inBody ? socket.server?.requestTimeout : socket.server?.headersTimeout;
      const part = inBody ? 'the request body' : 'the request head';
      return { status: 408, reason: `${part} did not arrive within ${limit ?? '?'} ms` };
    }
    case 'HPE_HEADER_OVERFLOW':
      return overflowedInRequestLine(error)
        ? { status: 414, reason: `the request line is longer than ${maxHeaderSize} bytes` }
        : { status: 431, reason: `the request head is larger than ${maxHeaderSize} bytes` };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, reason: 'the chunk extensions of the request body are too large' };
    default:
      return {
        status: 400,
        reason: PARSE_ERROR_REASONS[error.code ?? ''] ?? 'the request is not valid HTTP/1.1',
      };
  }
}

const PARSE_ERROR_REASONS: Readonly<Record<string, string>> = {
  HPE_INVALID_METHOD: 'the request method is not a valid token',
  HPE_INVALID_URL: 'the request target is not valid',
  HPE_INVALID_VERSION: 'the HTTP version is not supported',
  HPE_INVALID_HEADER_TOKEN: 'a header field is not valid',
  HPE_INVALID_CONTENT_LENGTH: 'the Content-Length header field is not valid',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'Content-Length and Transfer-Encoding cannot both be set',
  HPE_INVALID_TRANSFER_ENCODING: 'the Transfer-Encoding header field is not valid',
  HPE_INVALID_CHUNK_SIZE: 'a chunk size of the request body is not valid',
};

/**
 * True when the parser stopped inside a request line: the line it was reading starts with a
 * method and a space, which no header line can (a header name ends at its colon). A line that
 * began in an earlier chunk cannot be seen, and is answered 431 as before.
 */
function overflowedInRequestLine({ rawPacket, bytesParsed }: ParseError): boolean {
  if (rawPacket === undefined || bytesParsed === undefined) return false;
  const lineStart = rawPacket.lastIndexOf(0x0a, bytesParsed - 1) + 1;
  const line = rawPacket.toString('latin1', lineStart, Math.min(lineStart + 64, bytesParsed));
  return REQUEST_LINE_START.test(line);
}
