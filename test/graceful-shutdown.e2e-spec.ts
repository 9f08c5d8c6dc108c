import { Agent, createServer, get } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { expectCompleteAccessLines } from './support/access-lines';
import { metricValue } from './support/metric-value';
import { headAnnouncingBody, openWith } from './support/raw-http';
import { ReadinessProxy } from './support/readiness-proxy';
import { ServerProcess } from './support/server-process';

jest.setTimeout(60_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the server process', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
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
      server = await ServerProcess.start({ SHUTDOWN_TIMEOUT_MS: '8000', MAX_DELAY_MS: '1000' });
      const agent = new Agent({ keepAlive: true });
      expect((await server.get('/', {}, agent)).headers.connection).toBe('keep-alive');
      const started = Date.now();
      server.signal('SIGTERM');
      expect((await server.exit()).code).toBe(0);
      expect(Date.now() - started).toBeLessThan(2000);
      agent.destroy();
    });

    it('exits 1 and says how many requests it cut when SHUTDOWN_TIMEOUT_MS runs out', async () => {
      // The service's own waits fit in the shutdown (the configuration checks that); a backend
      // that never answers is what can still overrun it.
      const silent = createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      try {
        server = await ServerProcess.start({
          BACKEND_URL: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`,
          BACKEND_TIMEOUT_MS: '30000',
          MAX_DELAY_MS: '100',
          SHUTDOWN_TIMEOUT_MS: '500',
        });
        server.get('/').catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 100));
        server.signal('SIGTERM');
        expect((await server.exit()).code).toBe(1);
        expect(server.lines.find((l) => l.level === 'error')).toMatchObject({ cutRequests: 1 });
      } finally {
        silent.close();
        silent.closeAllConnections();
      }
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
});

describe('restarts under load', () => {
  it('a connection accepted before the listener closed still gets its request answered', async () => {
    const server = await ServerProcess.start({ SHUTDOWN_DRAIN_MS: '300' });
    const socket = connect(server.port, '127.0.0.1');
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      let text = '';
      socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.on('error', () => undefined);
      server.signal('SIGTERM');
      // The request is sent only once the listener has closed: the connection is idle until then.
      await server.waitForLine((l) => l.msg === 'drain over: closing the listener');
      socket.write('GET / HTTP/1.1\r\nHost: test\r\n\r\n');
      await closed;
      expect(text).toMatch(/^HTTP\/1\.1 200 /);
      expect(text).toMatch(/\r\nConnection: close\r\n/i);
      expect((await server.exit(10_000)).code).toBe(0);
    } finally {
      socket.destroy();
      await server.stop();
    }
  });

  it('SIGTERM under keep-alive load: every accepted request completes, no resets, exit 0', async () => {
    const server = await ServerProcess.start({
      DELAY_MIN_MS: '0',
      DELAY_MAX_MS: '300',
      SHUTDOWN_DRAIN_MS: '1000',
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    const outcomes = new Map<string, number>();
    const count = (key: string): void => {
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    };
    let refused = false;
    const worker = async (): Promise<void> => {
      while (!refused) {
        await new Promise<void>((resolve) => {
          get(server.url('/'), { agent }, (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            res.on('end', () => {
              count(
                res.statusCode === 200 && body.includes('"name":"httpserver"')
                  ? 'complete 200'
                  : `status ${res.statusCode}`,
              );
              resolve();
            });
            res.on('error', () => {
              count('response error');
              resolve();
            });
          }).on('error', (error: NodeJS.ErrnoException) => {
            if (error.code === 'ECONNREFUSED') refused = true;
            count(error.code ?? error.message);
            resolve();
          });
        });
      }
    };
    const workers = Array.from({ length: 50 }, worker);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    server.signal('SIGTERM');
    const exit = server.exit(15_000);
    await Promise.all(workers);
    agent.destroy();
    expect((await exit).code).toBe(0);
    // Every request the server accepted reached its client complete: the server's own count of
    // answered requests equals the clients' count of complete 200s, and it cut none.
    const answered = server.lines.filter((l) => l.msg === 'request completed' && l.path === '/');
    expect(answered.every((l) => l.status === 200)).toBe(true);
    expect(outcomes.get('complete 200')).toBe(answered.length);
    expect(server.lines.some((l) => l.msg === 'request aborted')).toBe(false);
    // After the drain only connection failures: refused, or (rarely) reset by the kernel for a
    // connection still waiting in the listen queue when the listener closed, which the server never
    // accepted (see docs/reliability.md).
    expect(
      [...outcomes.keys()].filter((k) => !['complete 200', 'ECONNREFUSED', 'ECONNRESET'].includes(k)),
    ).toEqual([]);
    expect(outcomes.get('complete 200')).toBeGreaterThan(100);
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
      const body = await openWith(
        server.port,
        headAnnouncingBody('POST', '/', 'application/json')('stalled-body') + '{',
      );
      const partialHead = await openWith(server.port, 'GET / HTTP/1.1\r\nHost: test\r\n');
      const silent = await openWith(server.port, '');
      const replies = [body, partialHead, silent].map((socket) => {
        let text = '';
        socket.setEncoding('latin1').on('data', (chunk: string) => (text += chunk));
        return new Promise<string>((resolve) => socket.on('close', () => resolve(text)));
      });
      await sleep(200);
      // The same count at the same moment: the gauge and the shutdown's log (the GET and the body).
      const gauge = metricValue((await server.get('/metrics')).body, 'http_requests_in_flight');
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

describe('a rolling restart', () => {
  const INSTANCE_ENV = { DELAY_MIN_MS: '0', DELAY_MAX_MS: '200', SHUTDOWN_DRAIN_MS: '600' };

  it('a rolling restart of two instances behind a readiness-aware proxy loses no request', async () => {
    const proxy = new ReadinessProxy();
    const entry = await proxy.listen();
    let instances = [await ServerProcess.start(INSTANCE_ENV), await ServerProcess.start(INSTANCE_ENV)];
    for (const instance of instances) proxy.add(instance.url('/'));
    await Promise.all(instances.map((instance) => proxy.waitReady(instance.url('/'))));

    const outcomes = new Map<string, number>();
    let running = true;
    const client = async (): Promise<void> => {
      while (running) {
        const outcome = await new Promise<string>((resolve) => {
          get(entry, { agent: false }, (res) => {
            let body = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            res.on('end', () =>
              resolve(
                res.statusCode === 200 && body.includes('"name":"httpserver"')
                  ? '200'
                  : `${res.statusCode} ${body}`,
              ),
            );
          }).on('error', (error) => resolve(error.message));
        });
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
    };
    const clients = Array.from({ length: 20 }, client);

    // Replace each instance in turn, as a Deployment's rolling update does with maxUnavailable 0.
    for (let i = 0; i < instances.length; i++) {
      const old = instances[i]!;
      const replacement = await ServerProcess.start(INSTANCE_ENV);
      proxy.add(replacement.url('/'));
      await proxy.waitReady(replacement.url('/'));
      old.signal('SIGTERM');
      expect((await old.exit(15_000)).code).toBe(0);
      proxy.remove(old.url('/'));
      instances = instances.map((instance) => (instance === old ? replacement : instance));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    running = false;
    await Promise.all(clients);

    await Promise.all(instances.map((instance) => instance.stop()));
    await proxy.close();
    expect([...outcomes.keys()]).toEqual(['200']);
    expect(outcomes.get('200')).toBeGreaterThan(200);
  });
});
