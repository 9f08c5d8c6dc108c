import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetTimeoutError, httpGet } from './http-get';

describe('httpGet', () => {
  let server: Server;
  let base: string;
  let connections: number;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') {
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('é'.repeat(10_000));
      } else if (req.url === '/stall') {
        res.writeHead(200).write('partial');
      } else if (req.url === '/late') {
        setTimeout(() => res.end('late'), 4500);
      } else if (req.url === '/broken') {
        res.writeHead(200, { 'content-length': '100' }).write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
      } else {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ headers: req.headers }));
      }
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    connections = 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers the status, content type and text, with the headers sent', async () => {
    const answer = await httpGet(new URL(`${base}/`), { 'x-request-id': 'abc' }, 1000, 4096);
    expect(answer).toMatchObject({ status: 200, contentType: 'application/json' });
    expect(JSON.parse(answer.text)).toMatchObject({ headers: { 'x-request-id': 'abc' } });
  });

  it('cuts a long body at maxChars, whole characters, and keeps the connection for the next call', async () => {
    const first = await httpGet(new URL(`${base}/big`), {}, 1000, 4096);
    const second = await httpGet(new URL(`${base}/big`), {}, 1000, 4096);
    expect(first.text).toBe('é'.repeat(4096));
    expect(second.text).toHaveLength(4096);
    // Two calls, one connection at most: the one an earlier test left open may serve both.
    expect(connections).toBeLessThanOrEqual(1);
  });

  it('waits past the 4 s after which an idle kept-alive connection is closed', async () => {
    const answer = await httpGet(new URL(`${base}/late`), {}, 10_000, 4096);
    expect(answer).toMatchObject({ status: 200, text: 'late' });
  }, 10_000);

  it('gives up after the deadline, even once the answer has begun', async () => {
    const started = Date.now();
    await expect(httpGet(new URL(`${base}/stall`), {}, 200, 4096)).rejects.toBeInstanceOf(GetTimeoutError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails an answer whose connection closes before it ends', async () => {
    await expect(httpGet(new URL(`${base}/broken`), {}, 1000, 4096)).rejects.toThrow(
      'the connection closed before the answer ended',
    );
  });

  it("fails with the socket's error when nothing listens", async () => {
    await expect(httpGet(new URL('http://127.0.0.1:1/'), {}, 1000, 4096)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
