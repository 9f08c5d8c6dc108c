import { isIP } from 'node:net';
import { bodyOf, openWith, rawRequest } from './support/raw-http';
import { ServerProcess, type LogLine } from './support/server-process';
import { closeWaitSockets } from './support/tcp-states';

jest.setTimeout(60_000);

const REQUEST_TIMEOUT_MS = 2000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A request head announcing 100 bytes of body, and the part of the body that is actually sent. */
interface Incomplete {
  name: string;
  head: (id: string) => string;
  partial: string;
  path: string;
}

const head =
  (method: string, path: string, contentType: string, extra = '') =>
  (id: string): string =>
    `${method} ${path} HTTP/1.1\r\nHost: test\r\nX-Request-Id: ${id}\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: 100\r\n${extra}\r\n`;

// Every body parser the app registers (JSON, urlencoded), on a route, a probe and no route at all,
// and a client that asks for 100-continue and then sends nothing.
const CASES: Incomplete[] = [
  ...['/', '/healthz', '/no/such/route'].flatMap((path) => [
    { name: `JSON body on ${path}`, head: head('POST', path, 'application/json'), partial: '{', path },
    {
      name: `form body on ${path}`,
      head: head('POST', path, 'application/x-www-form-urlencoded'),
      partial: 'a=',
      path,
    },
  ]),
  {
    name: 'Expect: 100-continue and no body',
    head: head('PUT', '/', 'application/json', 'Expect: 100-continue\r\n'),
    partial: '',
    path: '/',
  },
];

let nextId = 0;
const requestId = (): string => `incomplete-${process.pid}-${nextId++}`;

/** Every access line names its client, method, path and status, whatever the status. */
function expectCompleteAccessLines(lines: LogLine[]): void {
  const access = lines.filter((l) =>
    ['request completed', 'request aborted', 'request rejected'].includes(l.msg),
  );
  for (const line of access) {
    expect(isIP(String(line.clientIp))).not.toBe(0);
    expect(line).toHaveProperty('method');
    expect(line).toHaveProperty('path');
    expect(typeof line.status).toBe('number');
  }
}

describe('a request whose body never arrives in full', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start({
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      SHUTDOWN_TIMEOUT_MS: '6000',
    });
  });
  afterAll(() => server.stop());
  afterEach(() => expectCompleteAccessLines(server.lines));

  it('client waiting, every case at once: 408 after REQUEST_TIMEOUT_MS, logged once', async () => {
    await forEachCase(async (c) => {
      const id = requestId();
      const started = Date.now();
      const reply = await rawRequest(server.port, c.head(id) + c.partial, REQUEST_TIMEOUT_MS + 4000);
      const elapsed = Date.now() - started;
      expect(reply.status).toBe(408);
      expect(reply.closed).toBe(true);
      if (c.partial === '') expect(reply.text).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
      // Node checks its timeouts every second.
      expect(elapsed).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(REQUEST_TIMEOUT_MS + 1500);
      expect(bodyOf(reply)).toEqual({
        statusCode: 408,
        error: 'Request Timeout',
        message: `the request body did not arrive within ${REQUEST_TIMEOUT_MS} ms`,
      });
      const line = await server.waitForLine((l) => l.reqId === id);
      expect(line).toMatchObject({ status: 408, path: c.path, clientIp: '127.0.0.1' });
      await sleep(100);
      expect(server.lines.filter((l) => l.reqId === id)).toHaveLength(1);
    });
  });

  it('client gone, every case at once: 499 at once, logged once, no socket left open', async () => {
    const ids = await forEachCase(async (c) => {
      const id = requestId();
      const socket = await openWith(server.port, c.head(id) + c.partial);
      await sleep(300);
      const closedAt = Date.now();
      socket.end();
      const line = await server.waitForLine((l) => l.reqId === id, 1000);
      expect(Date.now() - closedAt).toBeLessThan(500);
      expect(line).toMatchObject({
        status: 499,
        msg: 'request aborted',
        path: c.path,
        clientIp: '127.0.0.1',
      });
      socket.destroy();
      return id;
    });
    // Nothing more comes for them, even once REQUEST_TIMEOUT_MS has passed.
    await sleep(REQUEST_TIMEOUT_MS + 1200);
    for (const id of ids) expect(server.lines.filter((l) => l.reqId === id)).toHaveLength(1);
    expect(closeWaitSockets(server.port)).toBe(0);
  });
});

/** Runs the check for every case concurrently; a failure names its case. */
function forEachCase<T>(check: (c: Incomplete) => Promise<T>): Promise<T[]> {
  return Promise.all(
    CASES.map(async (c) => {
      try {
        return await check(c);
      } catch (error) {
        throw new Error(`${c.name}: ${(error as Error).message}`, { cause: error });
      }
    }),
  );
}

describe('clients that abandon their request body', () => {
  it('100 of them: 100 lines of 499, counted once each, the gauge back to 0, no CLOSE-WAIT, a quick exit 0', async () => {
    const server = await ServerProcess.start({ SHUTDOWN_TIMEOUT_MS: '6000' });
    try {
      const data = head('POST', '/', 'application/json')('x') + '{';
      const sockets = await Promise.all(Array.from({ length: 100 }, () => openWith(server.port, data)));
      await sleep(300);
      const gauge = async (): Promise<number> =>
        Number(/^http_requests_in_flight (\d+)$/m.exec((await server.get('/metrics')).body)?.[1]);
      // A request whose body is still arriving is in flight.
      expect(await gauge()).toBe(100);
      for (const socket of sockets) socket.end();
      const aborted = (): number => server.lines.filter((l) => l.msg === 'request aborted').length;
      for (let waited = 0; waited < 3000 && aborted() < 100; waited += 50) await sleep(50);
      expect(aborted()).toBe(100);
      for (const socket of sockets) socket.destroy();
      await sleep(200);
      expect(await gauge()).toBe(0);
      expect((await server.get('/metrics')).body).toContain(
        'http_request_duration_seconds_count{method="POST",route="unmatched",status_code="499"} 100',
      );
      expect(closeWaitSockets(server.port)).toBe(0);
      const started = Date.now();
      server.signal('SIGTERM');
      expect((await server.exit()).code).toBe(0);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await server.stop();
    }
  });
});

describe('SIGTERM while requests are still arriving', () => {
  it('answers the request in flight, gives the stalled ones 408 and exits 0 without waiting out any timeout', async () => {
    const drainMs = 300;
    const server = await ServerProcess.start({
      DELAY_MIN_MS: '1500',
      DELAY_MAX_MS: '1500',
      SHUTDOWN_DRAIN_MS: String(drainMs),
      SHUTDOWN_TIMEOUT_MS: '20000',
      HEADERS_TIMEOUT_MS: '20000',
      REQUEST_TIMEOUT_MS: '20000',
    });
    try {
      const inFlight = server.get('/');
      const body = await openWith(server.port, head('POST', '/', 'application/json')('stalled-body') + '{');
      const partialHead = await openWith(server.port, 'GET / HTTP/1.1\r\nHost: test\r\n');
      const silent = await openWith(server.port, '');
      const replies = [body, partialHead, silent].map((socket) => {
        let text = '';
        socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
        return new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
      });
      await sleep(200);
      // The same count at the same moment: the gauge and the shutdown's log (the GET and the body).
      const gauge = Number(/^http_requests_in_flight (\d+)$/m.exec((await server.get('/metrics')).body)?.[1]);
      expect(gauge).toBe(2);
      const signalled = Date.now();
      server.signal('SIGTERM');
      const started = await server.waitForLine((l) => l.msg.startsWith('shutdown started'));
      expect(started.inFlightRequests).toBe(gauge);

      expect((await inFlight).status).toBe(200);
      const [bodyReply, headReply, silentReply] = await Promise.all(replies);
      for (const reply of [bodyReply, headReply, silentReply]) expect(reply).toMatch(/^HTTP\/1\.1 408 /);
      expect(bodyReply).toContain('the service is shutting down');
      expect(await server.exit()).toEqual({ code: 0, signal: null });
      // The drain, the 1.5 s request, and at most the 1 s grace plus one sweep for the stalled ones.
      expect(Date.now() - signalled).toBeLessThan(drainMs + 1500 + 1000);
      expect(server.lines.find((l) => l.reqId === 'stalled-body')).toMatchObject({ status: 408 });
      expect(server.lines.at(-1)?.msg).toBe('shutdown complete');
      expectCompleteAccessLines(server.lines);
    } finally {
      await server.stop();
    }
  });
});
