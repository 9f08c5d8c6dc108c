import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { BODY_LIMIT_BYTES } from './body-limit';

/** What the client is told about an exception, and whether it was a fault of the service. */
export interface ErrorAnswer {
  status: number;
  message: string;
  /** Fields an error may add to the shape on purpose (the backends of a 502 or 504). */
  extra: Record<string, unknown>;
  /** True for an exception nobody threw on purpose: logged with its stack, answered 500. */
  unexpected: boolean;
}

/** body-parser's error types (raw-body, body-parser), and what a client is told for each. */
const BODY_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  'entity.too.large': `request bodies are limited to ${BODY_LIMIT_BYTES} bytes`,
  'request.aborted': 'the request body did not arrive in full',
  'request.size.invalid': 'the request body is not as long as its Content-Length says',
  'encoding.unsupported': 'the Content-Encoding of the request body is not supported',
  'charset.unsupported': 'the charset of the request body is not supported',
  'parameters.too.many': 'the form in the request body has too many parameters',
  'querystring.parse.rangeError': 'the form in the request body is nested too deeply',
};

/** Only these fields of an HttpException's response object reach the client besides the message. */
const EXTRA_FIELDS = ['backends'];

/**
 * Turns any exception into the one error shape without leaking internals: the parser's own
 * messages (which quote the body) become a sentence of ours, and anything that is not an
 * HttpException is a generic 500.
 */
export function describeError(exception: unknown, contentType: string | undefined): ErrorAnswer {
  if (!(exception instanceof HttpException)) {
    return { status: 500, message: 'Internal server error', extra: {}, unexpected: true };
  }
  const status = exception.getStatus();
  const fromParser = parserMessage(exception.cause, contentType);
  if (fromParser !== undefined) return { status, message: fromParser, extra: {}, unexpected: false };
  const response = exception.getResponse();
  if (typeof response === 'string') return { status, message: response, extra: {}, unexpected: false };
  const fields = response as Record<string, unknown>;
  const extra = Object.fromEntries(EXTRA_FIELDS.filter((k) => k in fields).map((k) => [k, fields[k]]));
  return { status, message: messageOf(fields.message, status), extra, unexpected: false };
}

/**
 * Express and body-parser errors that Nest wrapped: the cause carries what went wrong, and its own
 * message (the parser's, zlib's) is not for the client.
 */
function parserMessage(cause: unknown, contentType: string | undefined): string | undefined {
  if (cause instanceof URIError) return 'the request path is not validly percent-encoded';
  if (typeof cause !== 'object' || cause === null) return undefined;
  const { type, code, status } = cause as { type?: unknown; code?: unknown; status?: unknown };
  if (type === 'entity.parse.failed') {
    return contentType?.includes('json')
      ? 'the request body is not valid JSON'
      : 'the request body could not be parsed as its Content-Type says';
  }
  if (typeof type === 'string' && type in BODY_ERROR_MESSAGES) return BODY_ERROR_MESSAGES[type];
  // zlib's errors (Z_DATA_ERROR, ...) when a body is not in the Content-Encoding it names.
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return 'the request body could not be decompressed as its Content-Encoding says';
  }
  // Any other http-errors error (body-parser, Express): its status's phrase and nothing more.
  if (typeof status === 'number') return STATUS_CODES[status] ?? STATUS_CODES[HttpStatus.BAD_REQUEST];
  return undefined;
}

function messageOf(message: unknown, status: number): string {
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return STATUS_CODES[status] ?? 'Error';
}
