import { EventEmitter } from 'node:events';
import type { RequestBookkeeping } from './request-bookkeeping';
import { createClientErrorHandler, type HttpSocket, type ParseError } from './answer-client-error';

/** Just enough of a socket to see what the handler writes and when it closes. */
function fakeSocket(options: { owed?: EventEmitter; receiving?: object; bytesRead?: number } = {}) {
  return {
    writable: true,
    bytesRead: options.bytesRead ?? 10,
    _httpMessage: options.owed ?? null,
    parser: { incoming: options.receiving ?? null },
    server: { headersTimeout: 15_000, requestTimeout: 30_000 },
    written: '',
    destroyed: false,
    setTimeout: jest.fn(),
    end(data: string, done: () => void) {
      this.written += data;
      done();
    },
    destroy() {
      this.destroyed = true;
    },
  };
}

/** A response object for a request whose body is still arriving. */
function fakeResponse() {
  return {
    headersSent: false,
    statusCode: 200,
    headers: {} as Record<string, string>,
    body: undefined as string | undefined,
    setHeader(name: string, value: string) {
      this.headers[name.toLowerCase()] = value;
    },
    end(body: string) {
      this.body = body;
    },
  };
}

function fakeBookkeeping() {
  return {
    open: jest.fn(),
    recordErrorReason: jest.fn(),
    recordRejected: jest.fn(() => 'rejected-id'),
    versionHeader: '1.2.3',
  };
}

function overflow(packet: string, at: number): ParseError {
  return Object.assign(new Error('Header overflow'), {
    code: 'HPE_HEADER_OVERFLOW',
    rawPacket: Buffer.from(packet, 'latin1'),
    bytesParsed: at,
  });
}

const withCode = (code: string): ParseError => Object.assign(new Error(code), { code });
const statusLine = (socket: { written: string }): string => socket.written.split('\r\n')[0] ?? '';
const bodyOf = (socket: { written: string }): unknown =>
  JSON.parse(socket.written.split('\r\n\r\n')[1] ?? '');

function handle(error: ParseError, socket: ReturnType<typeof fakeSocket>, bookkeeping = fakeBookkeeping()) {
  createClientErrorHandler(bookkeeping as unknown as RequestBookkeeping)(
    error,
    socket as unknown as HttpSocket,
  );
  return bookkeeping;
}

describe('the client-error handler, for a request refused before it became a request object', () => {
  it.each([
    ['an overflow inside the request line', 414, overflow(`GET /${'a'.repeat(100)}`, 80)],
    [
      'an overflow inside a later request line of the packet',
      414,
      overflow(`GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /${'a'.repeat(100)}`, 100),
    ],
    ['an overflow inside a header line', 431, overflow(`GET / HTTP/1.1\r\nX-Big: ${'a b '.repeat(30)}`, 100)],
    ['an overflow in a line that began in an earlier read', 431, overflow('a'.repeat(100), 90)],
    ['an overflow without the packet', 431, withCode('HPE_HEADER_OVERFLOW')],
    ['a head that did not arrive in time', 408, withCode('ERR_HTTP_REQUEST_TIMEOUT')],
    ['oversized chunk extensions', 413, withCode('HPE_CHUNK_EXTENSIONS_OVERFLOW')],
    ['anything else', 400, withCode('HPE_INVALID_METHOD')],
  ])('%s: %i in the error shape, logged and counted, connection closed', (_name, status, error) => {
    const socket = fakeSocket();
    const bookkeeping = handle(error, socket);
    expect(statusLine(socket)).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(socket.written).toContain('\r\nConnection: close\r\n');
    expect(socket.written).toContain('\r\nVersion: 1.2.3\r\n');
    expect(socket.written).toContain('\r\nX-Request-Id: rejected-id\r\n');
    expect(bodyOf(socket)).toEqual({
      statusCode: status,
      error: expect.any(String),
      message: expect.any(String),
    });
    expect(bookkeeping.recordRejected).toHaveBeenCalledWith(socket, status, expect.any(String));
    expect(socket.destroyed).toBe(true);
  });

  it('answers only after the response owed to an earlier pipelined request has been sent', () => {
    const owed = new EventEmitter();
    const socket = fakeSocket({ owed });
    handle(withCode('HPE_INVALID_METHOD'), socket);
    expect(socket.written).toBe('');
    socket._httpMessage = null;
    owed.emit('close');
    expect(statusLine(socket)).toBe('HTTP/1.1 400 Bad Request');
  });

  it('writes nothing and logs nothing for a connection the client reset', () => {
    const socket = fakeSocket();
    const bookkeeping = handle(withCode('ECONNRESET'), socket);
    expect(socket.written).toBe('');
    expect(socket.destroyed).toBe(true);
    expect(bookkeeping.recordRejected).not.toHaveBeenCalled();
  });

  it('logs a client that closed in the middle of a request head as 499', () => {
    const socket = fakeSocket();
    const bookkeeping = handle(withCode('HPE_INVALID_EOF_STATE'), socket);
    expect(socket.written).toBe('');
    expect(bookkeeping.recordRejected).toHaveBeenCalledWith(socket, 499, expect.any(String));
  });

  it('answers 408 but logs nothing on a connection that never sent a byte', () => {
    const socket = fakeSocket({ bytesRead: 0 });
    const bookkeeping = handle(withCode('ERR_HTTP_REQUEST_TIMEOUT'), socket);
    expect(statusLine(socket)).toBe('HTTP/1.1 408 Request Timeout');
    expect(bookkeeping.recordRejected).not.toHaveBeenCalled();
  });
});

describe('the client-error handler, for a request whose body is still arriving', () => {
  // The request's own response is the socket's current one: waiting for it would wait forever.
  function receiving() {
    const res = fakeResponse();
    const req = { complete: false, res };
    const socket = fakeSocket({ owed: new EventEmitter(), receiving: req });
    return { req, res, socket };
  }

  it('answers a body that stalled with 408 through its own response, without waiting for it', () => {
    const { req, res, socket } = receiving();
    const bookkeeping = handle(withCode('ERR_HTTP_REQUEST_TIMEOUT'), socket);
    expect(bookkeeping.open).toHaveBeenCalledWith(req, res, 'unmatched');
    expect(res.statusCode).toBe(408);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body ?? '')).toEqual({
      statusCode: 408,
      error: 'Request Timeout',
      message: 'the request body did not arrive within 30000 ms',
    });
    expect(socket.written).toBe('');
  });

  it('answers a malformed body with 400 through its own response', () => {
    const { res, socket } = receiving();
    handle(withCode('HPE_INVALID_CHUNK_SIZE'), socket);
    expect(res.statusCode).toBe(400);
  });

  it.each(['HPE_INVALID_EOF_STATE', 'ECONNRESET'])(
    'closes the socket at once when the client is gone (%s), so the request ends as 499',
    (code) => {
      const { req, res, socket } = receiving();
      const bookkeeping = handle(withCode(code), socket);
      expect(bookkeeping.open).toHaveBeenCalledWith(req, res, 'unmatched');
      expect(socket.destroyed).toBe(true);
      expect(res.body).toBeUndefined();
    },
  );
});
