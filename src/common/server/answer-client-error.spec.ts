import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { answerClientError } from './answer-client-error';

/** Just enough of a socket to see what the handler writes and when it closes. */
function fakeSocket(owed?: EventEmitter) {
  const socket = {
    writable: true,
    _httpMessage: owed ?? null,
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
  return socket;
}

function overflow(packet: string, at: number): Error {
  return Object.assign(new Error('Header overflow'), {
    code: 'HPE_HEADER_OVERFLOW',
    rawPacket: Buffer.from(packet, 'latin1'),
    bytesParsed: at,
  });
}

const statusLine = (socket: ReturnType<typeof fakeSocket>): string => socket.written.split('\r\n')[0] ?? '';

describe('answerClientError', () => {
  const withCode = (code: string): Error => Object.assign(new Error(code), { code });

  it.each([
    ['an overflow inside the request line', '414 URI Too Long', overflow(`GET /${'a'.repeat(100)}`, 80)],
    [
      'an overflow inside a later request line of the packet',
      '414 URI Too Long',
      overflow(`GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /${'a'.repeat(100)}`, 100),
    ],
    [
      'an overflow inside a header line',
      '431 Request Header Fields Too Large',
      overflow(`GET / HTTP/1.1\r\nX-Big: ${'a b '.repeat(30)}`, 100),
    ],
    [
      'an overflow in a line that began in an earlier read',
      '431 Request Header Fields Too Large',
      overflow('a'.repeat(100), 90),
    ],
    [
      'an overflow without the packet',
      '431 Request Header Fields Too Large',
      withCode('HPE_HEADER_OVERFLOW'),
    ],
    ['a request timeout', '408 Request Timeout', withCode('ERR_HTTP_REQUEST_TIMEOUT')],
    ['anything else', '400 Bad Request', withCode('HPE_INVALID_METHOD')],
  ])('%s: %s', (_name, status, error) => {
    const socket = fakeSocket();
    answerClientError(error, socket as unknown as Socket);
    expect(statusLine(socket)).toBe(`HTTP/1.1 ${status}`);
    expect(socket.written).toContain('\r\nConnection: close\r\n\r\n');
    expect(socket.destroyed).toBe(true);
  });

  it('answers only after the response owed to an earlier pipelined request has been sent', () => {
    const owed = new EventEmitter();
    const socket = fakeSocket(owed);
    answerClientError(
      Object.assign(new Error(), { code: 'HPE_INVALID_METHOD' }),
      socket as unknown as Socket,
    );
    expect(socket.written).toBe('');
    socket._httpMessage = null;
    owed.emit('close');
    expect(statusLine(socket)).toBe('HTTP/1.1 400 Bad Request');
  });

  it('writes nothing to a connection the client reset', () => {
    const socket = fakeSocket();
    answerClientError(withCode('ECONNRESET'), socket as unknown as Socket);
    expect(socket.written).toBe('');
    expect(socket.destroyed).toBe(true);
  });
});
