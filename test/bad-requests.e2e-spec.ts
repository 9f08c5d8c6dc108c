import { STATUS_CODES } from 'node:http';
import { bodyOf, rawRequest, type RawReply } from './support/raw-http';
import { ServerProcess } from './support/server-process';

jest.setTimeout(30_000);

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

  describe('one error shape from every layer', () => {
    it.each([
      ['an unknown route (router)', 404, GET('/no/such/route')],
      ['POST on / (handler)', 405, request('POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 0')],
      ['an invalid JSON body (body parser)', 400, POST_JSON('{"a":')],
      ['a JSON body declared over 100 KiB (request screen)', 413, POST_JSON('x'.repeat(200_000))],
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
      ['HTTP/2.0 in an HTTP/1.1 request line', 505, 'GET / HTTP/2.0\r\nHost: test\r\n\r\n'],
      [
        'a JSON body in an unsupported charset',
        415,
        POST_JSON('{}').replace('application/json', 'application/json; charset=koi8-r'),
      ],
      ['an Expect other than 100-continue (request screen)', 417, GET('/', '\r\nExpect: teapot')],
      ['a malformed request line (HTTP parser)', 400, 'GARBAGE\r\n\r\n'],
      ['a request line over 16 KiB (HTTP parser)', 414, GET(`/${'a'.repeat(17_000)}`)],
      ['a header section over 16 KiB (HTTP parser)', 431, GET('/', `\r\nX-Big: ${'a'.repeat(17_000)}`)],
      ['CONNECT (connect handler)', 405, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
    ])('%s: %i', async (_name, status, data) => {
      expectErrorShape(await rawRequest(server.port, data, 5000, /\r\n\r\n\{.*\}$/s), status);
    });

    it('the two 413 answers say the same', async () => {
      const declared = bodyOf(await rawRequest(server.port, POST_JSON('x'.repeat(200_000)), 5000, /\}$/));
      const counted = bodyOf(
        await rawRequest(server.port, chunked('application/json', `"${'x'.repeat(150_000)}"`), 5000, /\}$/),
      );
      expect(counted).toEqual(declared);
    });
  });

  describe('requests the HTTP parser refuses are logged and counted', () => {
    it.each([
      ['a malformed request line', 400, 'GARBAGE-METHOD-XYZ / HTTP/1.1\r\n\r\n', 'GARBAGE-METHOD-XYZ'],
      ['a request line over 16 KiB', 414, GET(`/${'secret-path-'.repeat(1500)}`), 'secret-path'],
      [
        'a header section over 16 KiB',
        431,
        GET('/', `\r\nX-Big: ${'secret-value-'.repeat(1500)}`),
        'secret-value',
      ],
      [
        'Content-Length with Transfer-Encoding',
        400,
        request('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked', '0\r\n\r\n'),
        'chunked',
      ],
    ])(
      '%s: one access line with the client and a reason, never the bytes; counted under route="rejected"',
      async (_name, status, data, sent) => {
        const before = server.lines.length;
        const reply = await rawRequest(server.port, data, 5000, /\}$/);
        expect(reply.status).toBe(status);
        const requestId = /\r\nX-Request-Id: ([^\r]+)\r\n/.exec(reply.text)?.[1];
        const line = await server.waitForLine((l) => l.reqId === requestId);
        expect(line).toMatchObject({
          level: 'info',
          msg: 'request rejected',
          clientIp: '127.0.0.1',
          method: null,
          path: null,
          status,
          reason: expect.any(String),
        });
        expect(JSON.stringify(server.lines.slice(before))).not.toContain(sent);
        const metrics = (await server.get('/metrics')).body;
        expect(metrics).toMatch(
          new RegExp(
            `^http_request_duration_seconds_count\\{method="unknown",route="rejected",status_code="${status}"\\} [1-9]`,
            'm',
          ),
        );
      },
    );
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
