import request from 'supertest';
import fc from 'fast-check';
import { ECHO_DENYLIST } from '../src/app/request-path/echo-headers';
import { rawRequest } from './support/raw-http';
import { ServerProcess } from './support/server-process';
import { createTestApp, type TestApp } from './support/test-app';

jest.setTimeout(60_000);

const TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
/** Header values Node accepts: visible ASCII, tab, space and obs-text, without leading or trailing blanks. */
const VALUE_CHARS = [
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
  '\t',
  'é',
  'ÿ',
  '\u0080',
];

const headerName = fc
  .array(fc.constantFrom(...TOKEN_CHARS), { minLength: 1, maxLength: 20 })
  .map((chars) => `X-${chars.join('')}`);
const headerValue = fc
  .array(fc.constantFrom(...VALUE_CHARS), { maxLength: 40 })
  .map((chars) => chars.join('').trim());
/** Names the service always refuses to echo, in random casing. */
const deniedName = fc
  .tuple(
    fc.constantFrom(
      ...ECHO_DENYLIST.filter(
        (n) => !['host', 'content-length', 'transfer-encoding', 'connection'].includes(n),
      ),
    ),
    fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
  )
  .map(([name, upper]) => Array.from(name, (c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));

/** [name, value] header lines of a raw response, in order, as sent. */
function responseHeaderLines(text: string): [string, string][] {
  const head = text.split('\r\n\r\n')[0] ?? '';
  return head
    .split('\r\n')
    .slice(1)
    .map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
}

describe('header echo, for any legal headers (property-based, raw bytes)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start({ VERSION: 'prop-1' });
  });
  afterAll(() => server.stop());

  it('echoes every legal header byte for byte, all values of repeats, and never a denied one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(headerName, headerValue), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(deniedName, headerValue), { maxLength: 4 }),
        async (allowed, denied) => {
          const lines = [...allowed, ...denied].map(([n, v]) => `${n}: ${v}\r\n`).join('');
          const reply = await rawRequest(
            server.port,
            Buffer.from(`GET /missing HTTP/1.1\r\nHost: x\r\n${lines}Connection: close\r\n\r\n`, 'latin1'),
          );
          expect(reply.status).toBe(404);
          const sent = responseHeaderLines(reply.text);
          // Every allowed header comes back once per value, in order, under the name as sent.
          const echoed = sent.filter(
            ([name]) => name.toLowerCase().startsWith('x-') && name.toLowerCase() !== 'x-request-id',
          );
          const expected = [...allowed].sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase()));
          const byName = (pairs: [string, string][]) =>
            pairs.map(([n, v]) => `${n.toLowerCase()}\u0000${v}`).sort();
          expect(byName(echoed)).toEqual(byName(expected));
          // Nothing denied is echoed: the service's own Version and the framing headers hold.
          expect(sent.filter(([name]) => name.toLowerCase() === 'version')).toEqual([['Version', 'prop-1']]);
          expect(sent.some(([name]) => name.toLowerCase() === 'set-cookie')).toBe(false);
          expect(sent.filter(([name]) => name.toLowerCase() === 'content-type')).toHaveLength(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('cannot be made to split a response or inject a header under another name', async () => {
    // A bare CR or LF inside a value is rejected by the parser before any code of ours runs, so
    // no value can end a header line early.
    for (const injection of ['a\rSet-Cookie: x=1', 'a\nSet-Cookie: x=1', 'a\r Set-Cookie: x=1']) {
      const reply = await rawRequest(
        server.port,
        `GET / HTTP/1.1\r\nHost: x\r\nX-A: ${injection}\r\nConnection: close\r\n\r\n`,
      );
      expect(reply.status).toBe(400);
      expect(reply.text).not.toMatch(/\r\nSet-Cookie:/i);
    }
  });
});

describe('what every response carries (in-process)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ECHO_HEADERS_EXCLUDE: 'X-Private' });
  });
  afterAll(() => t.app.close());

  it.each(['/', '/healthz', '/livez', '/metrics', '/no/such/route'])(
    'echoes request headers and sets Version on %s',
    async (path) => {
      const res = await request(t.app.getHttpServer())
        .get(path)
        .set('X-Custom', 'hello world')
        .set('Accept-Language', 'en;q=0.8');
      expect(res.headers['x-custom']).toBe('hello world');
      expect(res.headers['accept-language']).toBe('en;q=0.8');
      expect(res.headers.version).toBe('test-1.0');
    },
  );

  it('does not echo denied or excluded headers', async () => {
    const res = await request(t.app.getHttpServer())
      .get('/')
      .set('Content-Type', 'text/html')
      .set('Set-Cookie', 'session=evil')
      .set('Version', 'forged')
      .set('Proxy-Authorization', 'Basic abc')
      .set('X-Private', 'hidden');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers.version).toBe('test-1.0');
    expect(res.headers['proxy-authorization']).toBeUndefined();
    expect(res.headers['x-private']).toBeUndefined();
  });

  it('keeps a sane incoming x-request-id and replaces a bad one', async () => {
    const kept = await request(t.app.getHttpServer()).get('/').set('X-Request-Id', 'abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(t.app.getHttpServer()).get('/').set('X-Request-Id', 'a b');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await request(t.app.getHttpServer()).get('/');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
