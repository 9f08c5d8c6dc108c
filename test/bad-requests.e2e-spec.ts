import { STATUS_CODES } from 'node:http';
import { expectCompleteAccessLines } from './support/access-lines';
import { bodyOf, headAnnouncingBody, openWith, rawRequest, type RawReply } from './support/raw-http';
import { ServerProcess } from './support/server-process';
import { closeWaitSockets } from './support/tcp-states';

jest.setTimeout(60_000);

const request = (head: string, body = ''): string => `${head}\r\nConnection: close\r\n\r\n${body}`;
const GET = (path: string, extra = ''): string => request(`GET ${path} HTTP/1.1\r\nHost: test${extra}`);
const POST_JSON = (body: string, extra = ''): string =>
  request(
    `POST / HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}${extra}`,
    body,
  );
const chunked = (contentType: string, body: string): string => {
  const chunks = body.match(/[^]{1,8192}/g) ?? [];
  return request(
    `POST / HTTP/1.1\r\nHost: test\r\nContent-Type: ${contentType}\r\nTransfer-Encoding: chunked`,
    chunks.map((c) => `${c.length.toString(16)}\r\n${c}\r\n`).join('') + '0\r\n\r\n',
  );
};

/** What no error body may contain: a stack frame, a path of the code, the parser's own words. */
const INTERNALS =
  /at \S+ \(|node_modules|\/dist\/|\/src\/|SyntaxError|Unexpected token|position \d|Expected |header check|Z_[A-Z_]+/;

/** Every error, from whichever layer, in the one documented shape: these three fields, and nothing internal. */
function expectErrorShape(reply: RawReply, status: number): { message: string } {
  expect(reply.status).toBe(status);
  const body = bodyOf(reply) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(body).toMatchObject({ statusCode: status, error: STATUS_CODES[status] });
  expect(typeof body.message).toBe('string');
  expect(reply.text).not.toMatch(INTERNALS);
  expect(reply.text).toMatch(/\r\nContent-Type: application\/json; charset=utf-8\r\n/i);
  expect(reply.text).toMatch(/\r\nVersion: /);
  return body as { message: string };
}

describe('bad requests (the real process, raw bytes)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start();
  });
  afterAll(() => server.stop());
  afterEach(async () => {
    // Whatever a case sent, the process still answers.
    expect((await server.get('/healthz')).status).toBe(200);
  });

  describe('the Host header field (RFC 9112 section 3.2)', () => {
    it.each([
      ['a blank in it', 'GET / HTTP/1.1\r\nHost: a b'],
      ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b'],
      ['two Host fields that agree', 'GET / HTTP/1.1\r\nHost: a\r\nhost: a'],
      ['userinfo and a port above 65535', 'GET / HTTP/1.1\r\nHost: user@evil:99999'],
      ['a port above 65535', 'GET / HTTP/1.1\r\nHost: example.com:65536'],
      ['an empty value', 'GET / HTTP/1.1\r\nHost: '],
      ['a path in it', 'GET / HTTP/1.1\r\nHost: example.com/x'],
      ['an invalid IPv6 literal', 'GET / HTTP/1.1\r\nHost: [::g]'],
      ['none in HTTP/1.1', 'GET / HTTP/1.1'],
    ])('%s: 400, connection closed', async (_name, head) => {
      const reply = await rawRequest(server.port, `${head}\r\n\r\n`);
      const { message } = expectErrorShape(reply, 400);
      expect(message).toMatch(/Host/);
      expect(reply.closed).toBe(true);
    });

    it.each([
      ['a name and a port', 'Host: example.com:8080'],
      ['an IPv4 address', 'Host: 127.0.0.1'],
      ['an IPv6 literal with a port', 'Host: [::1]:80'],
      ['a name with sub-delims and percent-encoding', "Host: a-b_c~d!$&'()*+,;=%41"],
      ['an empty port', 'Host: example.com:'],
    ])('%s: 200', async (_name, host) => {
      expect((await rawRequest(server.port, request(`GET / HTTP/1.1\r\n${host}`))).status).toBe(200);
    });

    it('HTTP/1.0 without Host: 200', async () => {
      expect((await rawRequest(server.port, 'GET / HTTP/1.0\r\n\r\n')).status).toBe(200);
    });
  });

  describe('the right status, in one error shape from every layer', () => {
    it.each([
      ['a malformed request line (HTTP parser)', 400, 'GARBAGE\r\n\r\n'],
      ['an unknown HTTP version (HTTP parser)', 400, 'GET / HTTP/7.0\r\nHost: x\r\n\r\n'],
      ['HTTP/2.0 in an HTTP/1.1 request line (request screen)', 505, 'GET / HTTP/2.0\r\nHost: test\r\n\r\n'],
      ['a space in a header name (HTTP parser)', 400, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n'],
      ['a control character in a header value', 400, 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n'],
      ['a folded (obs-fold) header line', 400, 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'],
      [
        'Content-Length with Transfer-Encoding (request smuggling)',
        400,
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      ],
      ['a header section over 16 KiB', 431, GET('/', `\r\nX-Big: ${'a'.repeat(17_000)}`)],
      ['too many headers', 431, GET('/', '\r\nX-H: v'.repeat(3000))],
      ['a URL over 16 KiB', 414, GET(`/${'a'.repeat(17_000)}`)],
      ['a URL of 100 KiB (parsed over several reads)', 414, GET(`/${'a'.repeat(100_000)}`)],
      ['a 16 KiB query string', 414, GET(`/?q=${'%zz'.repeat(6000)}`)],
      ['an unknown route (router)', 404, GET('/no/such/route')],
      ['an invalid JSON body (body parser)', 400, POST_JSON('{"a":')],
      [
        'a chunked JSON body over 100 KiB (body parser)',
        413,
        chunked('application/json', `"${'x'.repeat(150_000)}"`),
      ],
      [
        'a chunked form body over 100 KiB (body parser)',
        413,
        chunked('application/x-www-form-urlencoded', `a=${'x'.repeat(150_000)}`),
      ],
      ['a body in an unsupported Content-Encoding', 415, POST_JSON('{}', '\r\nContent-Encoding: compress')],
      ['a gzip body that is not gzip (zlib)', 400, POST_JSON('abcd', '\r\nContent-Encoding: gzip')],
      [
        'a JSON body in an unsupported charset',
        415,
        POST_JSON('{}').replace('application/json', 'application/json; charset=koi8-r'),
      ],
      ['an Expect other than 100-continue (request screen)', 417, GET('/', '\r\nExpect: teapot')],
    ])('%s: %i', async (_name, status, data) => {
      expectErrorShape(await rawRequest(server.port, data, 5000, /\r\n\r\n\{.*\}$/s), status);
    });

    it('a JSON body declared over 100 KiB: 413 from its Content-Length, before the body is sent', async () => {
      const reply = await rawRequest(
        server.port,
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n',
        3000,
        /\r\n\r\n.*\}/s,
      );
      expectErrorShape(reply, 413);
      expect(reply.elapsedMs).toBeLessThan(1000);
    });

    it('the two 413 answers say the same', async () => {
      const declared = bodyOf(await rawRequest(server.port, POST_JSON('x'.repeat(200_000)), 5000, /\}$/));
      const counted = bodyOf(
        await rawRequest(server.port, chunked('application/json', `"${'x'.repeat(150_000)}"`), 5000, /\}$/),
      );
      expect(counted).toEqual(declared);
    });

    it.each(['POST', 'PUT', 'PATCH', 'DELETE'])(
      '%s / answers 405 with Allow, echoed headers and a log line',
      async (method) => {
        const reply = await rawRequest(
          server.port,
          `${method} / HTTP/1.1\r\nHost: x\r\nX-Echo: ${method}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`,
        );
        const { message } = expectErrorShape(reply, 405);
        expect(message).toBe(`${method} is not allowed on /; use GET, HEAD, OPTIONS`);
        expect(reply.text).toMatch(/\r\nAllow: GET, HEAD, OPTIONS\r\n/);
        expect(reply.text).toContain(`\r\nX-Echo: ${method}\r\n`);
        await server.waitForLine((l) => l.method === method && l.status === 405);
      },
    );

    it('CONNECT (a proxy tunnel) gets 405 with Allow, and the connection is closed', async () => {
      const reply = await rawRequest(
        server.port,
        'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      );
      expectErrorShape(reply, 405);
      expect(reply.text).toContain('\r\nAllow: GET, HEAD, OPTIONS\r\n');
      expect(reply.closed).toBe(true);
    });
  });

  it.each([
    '/%',
    '/%zz%',
    '/%00',
    '/%c0%af',
    '/..%2f..%2fetc%2fpasswd',
    '/a/../../b',
    `/${'a'.repeat(8000)}`,
    '/healthz/../metrics/..',
  ])('bizarre but legal URL %s: 404, never 500', async (path) => {
    const reply = await rawRequest(server.port, GET(path));
    expectErrorShape(reply, 404);
  });

  it.each([
    ['a long URL', 414, GET(`/${'b'.repeat(20_000)}`)],
    ['an oversized header', 431, GET('/', `\r\nX-Big: ${'a'.repeat(17_000)}`)],
    ['a malformed request line', 400, 'GARBAGE\r\n\r\n'],
  ])('%s pipelined behind a good request: 200 first, then %i', async (_name, status, bad) => {
    const first = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
    const reply = await rawRequest(server.port, first + bad);
    // The 200's JSON body has no trailing newline, so the error's status line follows it directly.
    expect(reply.text.match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 200 ', `HTTP/1.1 ${status} `]);
  });
});

describe('a head that never arrives in full', () => {
  it('is answered 408 after HEADERS_TIMEOUT_MS, logged and counted under route="rejected"', async () => {
    const server = await ServerProcess.start({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '1000' });
    try {
      const reply = await rawRequest(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Half: ', 5000);
      expectErrorShape(reply, 408);
      const line = await server.waitForLine((l) => l.msg === 'request rejected');
      expect(line).toMatchObject({ status: 408, clientIp: '127.0.0.1' });
      expect(line.responseTimeMs).toBeGreaterThanOrEqual(1000);
      expect((await server.get('/metrics')).body).toContain(
        'http_request_duration_seconds_count{method="unknown",route="rejected",status_code="408"} 1',
      );
    } finally {
      await server.stop();
    }
  });
});

const REQUEST_TIMEOUT_MS = 2000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A request head announcing 100 bytes of body, and the part of the body that is actually sent. */
interface Incomplete {
  name: string;
  head: (id: string) => string;
  partial: string;
  path: string;
}

const head = headAnnouncingBody;

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

describe('a request whose body never arrives in full', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start({
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      SHUTDOWN_TIMEOUT_MS: '6000',
      MAX_DELAY_MS: '1000',
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
