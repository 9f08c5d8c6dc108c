import { STATUS_CODES } from 'node:http';

/** The one JSON shape of every error the service writes, whichever layer answers (README "Errors"). */
export interface ErrorBody {
  statusCode: number;
  /** The status code's reason phrase. */
  error: string;
  /** What went wrong, for the client: never an internal message or a stack. */
  message: string;
}

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

/**
 * A whole HTTP/1.1 error response for a socket that has no ServerResponse (a request the HTTP
 * parser refused, CONNECT): the same body, and the connection closed after it.
 */
export function rawErrorResponse(
  statusCode: number,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): string {
  const body = JSON.stringify(errorBody(statusCode, message));
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}\r\n${extra}` +
    `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}
