import { connect, type Socket } from 'node:net';

export interface RawReply {
  /** Everything the server sent before closing or the timeout. */
  text: string;
  /** The status code of the first final (non-1xx) response, or 0 if there was none. */
  status: number;
  /** True when the server closed the connection. */
  closed: boolean;
  elapsedMs: number;
}

/**
 * Sends bytes as they are (no HTTP client would send malformed input) and collects the reply until
 * the server closes the connection, `stopWhen` matches, or timeoutMs passes.
 */
export function rawRequest(
  port: number,
  data: string | Buffer,
  timeoutMs = 3000,
  stopWhen?: RegExp,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(data));
    let text = '';
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(withoutInterim(text))?.[1] ?? 0);
      resolve({ text, status, closed, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.setEncoding('latin1').on('data', (chunk: string) => {
      text += chunk;
      if (stopWhen?.test(text)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') finish(true);
      else reject(error);
    });
  });
}

/** Interim responses (100 Continue) ahead of the final one. */
const INTERIM = /^(?:HTTP\/1\.1 1\d\d [^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/;

function withoutInterim(text: string): string {
  return text.replace(INTERIM, '');
}

/** The JSON body of the final response of a raw reply (the part after its head). */
export function bodyOf(reply: RawReply): unknown {
  const final = withoutInterim(reply.text);
  return JSON.parse(final.slice(final.indexOf('\r\n\r\n') + 4));
}

/** Opens a connection, sends `data`, and leaves it open: for requests that never arrive in full. */
export function openWith(port: number, data: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(data);
      resolve(socket);
    });
    socket.on('error', reject);
  });
}

/** A request head announcing a 100-byte body, of which a test then sends part or none. */
export function headAnnouncingBody(method: string, path: string, contentType: string, extra = '') {
  return (requestId: string): string =>
    `${method} ${path} HTTP/1.1\r\nHost: test\r\nX-Request-Id: ${requestId}\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: 100\r\n${extra}\r\n`;
}
