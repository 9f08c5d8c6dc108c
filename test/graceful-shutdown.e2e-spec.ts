import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { ServerProcess } from './support/server-process';

jest.setTimeout(20_000);

describe('the server process', () => {
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

  describe('header echo', () => {
    it('sends one line per value of a repeated header, under the name the client used', async () => {
      server = await ServerProcess.start();
      const res = await server.get('/missing', { 'X-Multi': ['one', 'two'], 'x-CaSe': 'kept' });
      const lines = (name: string): string[] =>
        res.rawHeaders.filter((_, i) => i % 2 === 1 && res.rawHeaders[i - 1] === name);
      expect(lines('X-Multi')).toEqual(['one', 'two']);
      expect(lines('x-CaSe')).toEqual(['kept']);
    });
  });

  describe('start-up', () => {
    it('writes only JSON lines and answers at once with the Version from package.json', async () => {
      server = await ServerProcess.start();
      const res = await server.get('/healthz');
      expect(res.status).toBe(200);
      expect(res.headers.version).toMatch(/^\d+\.\d+\.\d+/);
      expect((await server.get('/readyz')).status).toBe(200);
      expect(server.stderr).toBe('');
    });

    it.each([
      ['PORT', { PORT: 'abc' }],
      ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
      ['DELAY_MIN_MS', { DELAY_MIN_MS: '500', DELAY_MAX_MS: '100' }],
      ['VERSION', { VERSION: 'v1\u0007' }],
      ['TRUST_PROXY', { TRUST_PROXY: 'not-an-ip' }],
    ])('stops with exit 1 and one line naming %s on a bad value', async (variable, env) => {
      server = await ServerProcess.start(env, false);
      const { code } = await server.exit();
      expect(code).toBe(1);
      const lines = server.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]!) as { level: string; msg: string };
      expect(line.level).toBe('fatal');
      expect(line.msg).toContain(`invalid ${variable}=`);
      expect(server.lines.some((l) => l.msg === 'listening')).toBe(false);
    });

    it.each([
      ['PORT', /the port is already in use \(EADDRINUSE\)$/, () => ({ PORT: String(server!.port) })],
      // A resolver that cannot be reached answers EAI_AGAIN instead of ENOTFOUND.
      ['HOST', /resolve.* \((ENOTFOUND|EAI_AGAIN)\)$/, () => ({ HOST: 'no-such-host.invalid' })],
      ['HOST', /the address is not one of this machine \(EADDRNOTAVAIL\)$/, () => ({ HOST: '192.0.2.1' })],
    ])(
      'stops with exit 1 and one stderr line naming %s when it cannot listen (%s)',
      async (variable, reason, env) => {
        server = await ServerProcess.start();
        const second = await ServerProcess.start(env(), false);
        const { code } = await second.exit();
        expect(code).toBe(1);
        const lines = second.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        const line = JSON.parse(lines[0]!) as Record<string, unknown>;
        expect(line).toMatchObject({ level: 'fatal', variable });
        expect(line.msg).toMatch(new RegExp(`^start-up failed: cannot listen on ${variable}=`));
        expect(line.msg).toMatch(reason);
        expect(second.lines.some((l) => l.level === 'fatal' || l.msg === 'listening')).toBe(false);
      },
    );
  });

  describe('graceful shutdown', () => {
    it('fails readiness, drains, finishes delayed requests with 200 and exits 0', async () => {
      server = await ServerProcess.start({
        DELAY_MIN_MS: '600',
        DELAY_MAX_MS: '900',
        SHUTDOWN_DRAIN_MS: '400',
      });
      const s = server;
      const inFlight = Array.from({ length: 5 }, () => s.get('/'));
      await new Promise((resolve) => setTimeout(resolve, 150));
      s.signal('SIGTERM');
      await s.waitForLine((l) => l.msg.startsWith('shutdown started'));

      const ready = await s.get('/readyz');
      expect(ready.status).toBe(503);
      expect(ready.headers.connection).toBe('close');
      expect((await s.get('/healthz')).status).toBe(503);
      expect((await s.get('/livez')).status).toBe(200);

      const results = await Promise.all(inFlight);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      expect(results.every((r) => r.headers.connection === 'close')).toBe(true);
      expect(await s.exit()).toEqual({ code: 0, signal: null });
      expect(s.lines.at(-1)?.msg).toBe('shutdown complete');
    });

    it('closes idle keep-alive connections instead of waiting for them', async () => {
      server = await ServerProcess.start({ SHUTDOWN_TIMEOUT_MS: '8000' });
      const agent = new Agent({ keepAlive: true });
      expect((await server.get('/', {}, agent)).headers.connection).toBe('keep-alive');
      const started = Date.now();
      server.signal('SIGTERM');
      expect((await server.exit()).code).toBe(0);
      expect(Date.now() - started).toBeLessThan(2000);
      agent.destroy();
    });

    it('exits 1 and says how many requests it cut when SHUTDOWN_TIMEOUT_MS runs out', async () => {
      server = await ServerProcess.start({
        DELAY_MIN_MS: '5000',
        DELAY_MAX_MS: '5000',
        SHUTDOWN_TIMEOUT_MS: '500',
      });
      server.get('/').catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      server.signal('SIGTERM');
      expect((await server.exit()).code).toBe(1);
      expect(server.lines.find((l) => l.level === 'error')).toMatchObject({ cutRequests: 1 });
    });

    it('exits at once on a second signal', async () => {
      server = await ServerProcess.start({ DELAY_MIN_MS: '5000', DELAY_MAX_MS: '5000' });
      server.get('/').catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      server.signal('SIGINT');
      await server.waitForLine((l) => l.msg.startsWith('shutdown started'));
      server.signal('SIGINT');
      expect((await server.exit()).code).toBe(1);
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });

  describe('server limits', () => {
    it('answers 431 to an oversized header section and keeps serving', async () => {
      server = await ServerProcess.start();
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = connect(server!.port, '127.0.0.1', () => {
          socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
        });
        let data = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
        socket.on('close', () => resolve(data)).on('error', reject);
      });
      expect(reply).toMatch(/^HTTP\/1\.1 431 /);
      expect((await server.get('/')).status).toBe(200);
    });
  });
});
