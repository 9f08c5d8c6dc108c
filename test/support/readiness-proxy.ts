import { createServer, get, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small load balancer in the manner of kube-proxy and an ingress: it polls every backend's
 * /readyz every 100 ms, sends each request over a new connection to a ready one (round robin), and
 * answers 503 when none is ready. It never retries, so any request a backend drops shows.
 */
export class ReadinessProxy {
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
