import type { Socket } from 'node:net';

/** How long a client has to take the error reply before its connection is cut. */
const REPLY_FLUSH_TIMEOUT_MS = 5000;

/** Characters of an HTTP method token (RFC 9110 tchar). */
const REQUEST_LINE_START = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ /;

interface ParseError extends Error {
  code?: string;
  /** The chunk being parsed when the error happened, and how far into it the parser got. */
  rawPacket?: Buffer;
  bytesParsed?: number;
}

/** Node's current response on a socket; a pipelined request may still be waiting for its answer. */
type HttpSocket = Socket & { _httpMessage?: NodeJS.EventEmitter | null };

/**
 * The server's 'clientError' handler: what Node answers by default (400, 408, 413, 431), except
 * that a request line over the header limit gets 414 URI Too Long rather than 431, which would
 * send the client looking for an oversized header it never sent. Unlike Node's default, responses
 * still owed to requests pipelined ahead of the bad one are sent first, in order, so they are not lost.
 */
export function answerClientError(error: ParseError, socket: HttpSocket): void {
  const owed = socket._httpMessage;
  if (owed) {
    owed.once('close', () => {
      answerClientError(error, socket);
    });
    return;
  }
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  // end() rather than write() then destroy(): the reply may be queued behind the owed responses,
  // and destroy() would drop it. A client that stops reading is cut after the timeout.
  socket.setTimeout(REPLY_FLUSH_TIMEOUT_MS, () => socket.destroy());
  socket.end(`HTTP/1.1 ${statusFor(error)}\r\nConnection: close\r\n\r\n`, () => socket.destroy());
}

function statusFor(error: ParseError): string {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return overflowedInRequestLine(error) ? '414 URI Too Long' : '431 Request Header Fields Too Large';
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return '413 Payload Too Large';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return '408 Request Timeout';
    default:
      return '400 Bad Request';
  }
}

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
