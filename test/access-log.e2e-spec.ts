import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { rawRequest } from './support/raw-http';
import { firstColumnNames } from './support/readme';
import { ServerProcess } from './support/server-process';

jest.setTimeout(30_000);

/** A GET whose raw bytes the test controls. */
const GET = (path: string, extra = ''): string =>
  `GET ${path} HTTP/1.1\r\nHost: test${extra}\r\nConnection: close\r\n\r\n`;

const CREATE_LOGGER = join(__dirname, '..', 'dist', 'common', 'logging', 'create-logger.js');
const DEFERRED_LINES = join(__dirname, '..', 'dist', 'common', 'logging', 'deferred-lines.js');

describe('the access log of the server process', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  describe('access log', () => {
    it('writes one JSON line per request with the documented fields', async () => {
      server = await ServerProcess.start({ VERSION: '9.9.9' });
      const res = await server.get('/?q=secret-token', {
        'User-Agent': 'jest-agent',
        'X-Request-Id': 'req-42',
      });
      expect(res.status).toBe(200);
      const line = await server.waitForLine((l) => l.msg === 'request completed');
      expect(line).toEqual({
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        msg: 'request completed',
        reqId: 'req-42',
        clientIp: '127.0.0.1',
        method: 'GET',
        path: '/',
        status: 200,
        responseTimeMs: expect.any(Number),
        delayMs: 0,
        userAgent: 'jest-agent',
      });
      expect(server.lines.filter((l) => l.msg === 'request completed')).toHaveLength(1);
    });

    it('never logs Authorization or Cookie values', async () => {
      server = await ServerProcess.start({ LOG_LEVEL: 'trace' });
      await server.get('/', { AUTHORIZATION: 'Bearer top-secret-1', cookie: 'sid=top-secret-2' });
      await server.get('/missing', { authorization: 'Basic top-secret-3' });
      await server.waitForLine((l) => l.path === '/missing');
      expect(JSON.stringify(server.lines)).not.toMatch(/top-secret/);
    });

    it('logs probes and scrapes at debug only', async () => {
      server = await ServerProcess.start();
      for (const path of ['/healthz', '/livez', '/readyz', '/metrics', '/']) await server.get(path);
      await server.waitForLine((l) => l.path === '/');
      expect(server.lines.filter((l) => l.msg === 'request completed').map((l) => l.path)).toEqual(['/']);
      await server.stop();

      server = await ServerProcess.start({ LOG_LEVEL: 'debug' });
      await server.get('/healthz');
      const line = await server.waitForLine((l) => l.path === '/healthz');
      expect(line.level).toBe('debug');
    });

    it('takes the client address from X-Forwarded-For only when TRUST_PROXY says so', async () => {
      server = await ServerProcess.start();
      await server.get('/', { 'X-Forwarded-For': '203.0.113.7' });
      expect((await server.waitForLine((l) => l.path === '/')).clientIp).toBe('127.0.0.1');
      await server.stop();

      server = await ServerProcess.start({ TRUST_PROXY: 'loopback' });
      await server.get('/', { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' });
      expect((await server.waitForLine((l) => l.path === '/')).clientIp).toBe('203.0.113.7');
    });

    it.each([
      ['not an address', '<script>alert(1)</script>', '127.0.0.1'],
      ['a host name', 'proxy.example.com', '127.0.0.1'],
      ['empty entries', ' , ', '127.0.0.1'],
      ['an IPv4 address with a port', '203.0.113.9:4711', '203.0.113.9'],
      ['a bracketed IPv6 address with a port', '[2001:db8::1]:443', '2001:db8::1'],
      ['an IPv4-mapped IPv6 address', '::ffff:203.0.113.5', '203.0.113.5'],
    ])('logs an IP address whatever X-Forwarded-For holds: %s', async (_name, forwarded, clientIp) => {
      server = await ServerProcess.start({ TRUST_PROXY: 'true' });
      await server.get('/', { 'X-Forwarded-For': forwarded, 'X-Request-Id': 'xff-case' });
      expect((await server.waitForLine((l) => l.reqId === 'xff-case')).clientIp).toBe(clientIp);
    });

    it('logs an IPv4 client of a dual-stack socket as 127.0.0.1, not ::ffff:127.0.0.1', async () => {
      // Bound to the IPv4-mapped loopback: the socket is IPv6 and still only reachable on loopback.
      server = await ServerProcess.start({ HOST: '::ffff:127.0.0.1' });
      await server.get('/', { 'X-Request-Id': 'dual-stack' });
      expect((await server.waitForLine((l) => l.reqId === 'dual-stack')).clientIp).toBe('127.0.0.1');
    });

    it('logs a client that hangs up during its delay once, as 499, and runs no handler', async () => {
      server = await ServerProcess.start({ DELAY_MIN_MS: '3000', DELAY_MAX_MS: '3000' });
      const req = request(server.url('/'), { agent: false });
      req.on('error', () => undefined).end();
      await new Promise((resolve) => setTimeout(resolve, 200));
      req.destroy();
      const line = await server.waitForLine((l) => l.msg === 'request aborted');
      // Its client is named though the socket is gone by the time the line is written.
      expect(line).toMatchObject({
        status: 499,
        delayMs: 3000,
        clientIp: '127.0.0.1',
        method: 'GET',
        path: '/',
      });
      const metrics = await server.get('/metrics');
      expect(metrics.body).toMatch(/^http_requests_in_flight 0$/m);
      expect(metrics.body).toContain(
        'http_request_duration_seconds_count{method="GET",route="/",status_code="499"} 1',
      );
      await new Promise((resolve) => setTimeout(resolve, 3200));
      expect(server.lines.filter((l) => l.path === '/')).toHaveLength(1);
    });
  });
});

describe('requests the HTTP parser refuses', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start();
  });
  afterAll(() => server.stop());

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
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n',
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

describe('the README access-log field table', () => {
  it('lists every field an access line can have', async () => {
    const documented = firstColumnNames('Access log', /^[a-zA-Z_]+$/);
    const server = await ServerProcess.start({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      LOG_LEVEL: 'debug',
    });
    try {
      await server.get('/', { 'User-Agent': 'fields-test' });
      await server.get('/no/such/route');
      await rawRequest(server.port, 'GARBAGE\r\n\r\n');
      await server.waitForLine((l) => l.msg === 'request rejected');
      const access = server.lines.filter((l) => /^request (completed|aborted|rejected)$/.test(l.msg));
      const fields = new Set(access.flatMap((line) => Object.keys(line)));
      expect(fields).toContain('trace_id');
      expect(fields).toContain('reason');
      expect([...fields].filter((field) => !documented.has(field))).toEqual([]);
    } finally {
      await server.stop();
    }
  });
});

/**
 * The built logger in a real process whose stdout is a pipe, as in a container. Lines are written
 * in 8 KiB batches off the request path, so what writes the ones logged just before
 * process.exit() is the destination's 'exit' hook, also while an earlier batch is still on its
 * way. A logger change that batches elsewhere must keep this.
 */
describe('log lines at process exit', () => {
  const oneTo = (count: number): number[] => Array.from({ length: count }, (_, i) => i + 1);
  const numbersIn = (stdout: string): number[] =>
    stdout
      .trim()
      .split('\n')
      .map((text) => (JSON.parse(text) as { n: number }).n);
  /** The `n` of each line a script wrote, once it has exited 0 and written nothing on stderr. */
  const numbersWrittenBy = (script: string): number[] => {
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return numbersIn(result.stdout);
  };

  it.each([
    ['all still pending', 100],
    ['with batches already on their way', 5000],
  ])('writes every line, in order (%s: %i lines)', (_case, count) => {
    const script = `
      const { createLogger } = require(${JSON.stringify(CREATE_LOGGER)});
      const logger = createLogger('info');
      for (let n = 1; n <= ${count}; n++) logger.info({ n }, 'line');
      process.exit(0);
    `;
    expect(numbersWrittenBy(script)).toEqual(oneTo(count));
  });

  it('keeps the order of the calls with access lines held for the next event-loop turn, and writes the held ones too', () => {
    // Lines 1 and 51 are logged at once, the others held: 2-50 are still held when 51 is logged.
    const script = `
      const { createLogger } = require(${JSON.stringify(CREATE_LOGGER)});
      const { DeferredLines } = require(${JSON.stringify(DEFERRED_LINES)});
      const logger = createLogger('info');
      const deferred = new DeferredLines(logger);
      logger.info({ n: 1 }, 'line');
      for (let n = 2; n <= 50; n++) deferred.write('info', { n }, 'held');
      logger.warn({ n: 51 }, 'line');
      for (let n = 52; n <= 100; n++) deferred.write('info', { n }, 'held');
      process.exit(0);
    `;
    expect(numbersWrittenBy(script)).toEqual(oneTo(100));
  });

  it('waits for a reader that stops draining the pipe, and loses no line', async () => {
    const count = 20_000;
    // Touching process.stdout makes a pipe non-blocking (as Nest's console logger does), so write(2)
    // takes part of a batch, then answers EAGAIN while the pipe is full.
    const script = `
      process.stdout;
      const { createLogger } = require(${JSON.stringify(CREATE_LOGGER)});
      const logger = createLogger('info');
      for (let n = 1; n <= ${count}; n++) logger.info({ n }, 'line');
      logger.flush(() => process.exit(0));
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 500);
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(numbersIn(Buffer.concat(chunks).toString('utf8'))).toEqual(oneTo(count));
  });
});
