import { createServer, get, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ServerProcess } from './support/server-process';

jest.setTimeout(60_000);

const INSTANCE_ENV = { DELAY_MIN_MS: '0', DELAY_MAX_MS: '200', SHUTDOWN_DRAIN_MS: '600' };

/**
 * A small load balancer in the manner of kube-proxy and an ingress: it polls every backend's
 * /readyz every 100 ms, sends each request over a new connection to a ready one (round robin), and
 * answers 503 when none is ready. It never retries, so any request a backend drops shows.
 */
class ReadinessProxy {
  private readonly ready = new Map<string, boolean>();
  private readonly server: Server;
  private readonly poller: NodeJS.Timeout;
  private next = 0;

  constructor() {
    this.server = createServer((req, res) => {
      const targets = [...this.ready].filter(([, ok]) => ok).map(([url]) => url);
      if (targets.length === 0) {
        res.writeHead(503).end('no ready backend');
        return;
      }
      const target = new URL(req.url ?? '/', targets[this.next++ % targets.length]);
      const upstream = request(
        target,
        { method: req.method, headers: req.headers, agent: false },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => res.writeHead(502).end(`upstream ${target.host}: ${error.message}`));
      req.pipe(upstream);
    });
    this.poller = setInterval(() => {
      for (const url of this.ready.keys()) {
        get(new URL('/readyz', url), { agent: false, timeout: 500 }, (res) => {
          res.resume();
          if (this.ready.has(url)) this.ready.set(url, res.statusCode === 200);
        }).on('error', () => {
          if (this.ready.has(url)) this.ready.set(url, false);
        });
      }
    }, 100);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  add(url: string): void {
    this.ready.set(url, false);
  }

  remove(url: string): void {
    this.ready.delete(url);
  }

  async waitReady(url: string): Promise<void> {
    while (this.ready.get(url) !== true) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  close(): Promise<void> {
    clearInterval(this.poller);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

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
