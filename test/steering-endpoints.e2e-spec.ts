import { request } from 'node:http';
import { activeTimers } from './support/metric-value';
import { bodyOf, rawRequest } from './support/raw-http';
import { ServerProcess } from './support/server-process';

jest.setTimeout(60_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One request with any method and an optional body, answered in full. */
function call(
  server: ServerProcess,
  method: string,
  path: string,
  body?: { type: string; data: string | Buffer },
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(server.url(path), { method, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    if (body !== undefined) req.setHeader('Content-Type', body.type);
    req.end(body?.data);
  });
}

const VERSION = 'v9.8.7-openapi';

describe('the read-only steering endpoints (real process, delay off)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start({
      VERSION,
      MAX_DELAY_MS: '3000',
      GIT_COMMIT: 'abc1234',
      BUILD_TIME: '2026-11-29T10:00:00Z',
    });
  });
  afterAll(() => server.stop());

  describe('/status/{codes}', () => {
    it.each([
      ['GET', 200],
      ['POST', 201],
      ['DELETE', 302],
      ['PUT', 418],
      ['PATCH', 503],
      ['GET', 599],
    ])('%s /status/%i answers that status', async (method, status) => {
      const answer = await call(server, method, `/status/${status}`);
      expect(answer.status).toBe(status);
      const body = JSON.parse(answer.body.toString()) as Record<string, unknown>;
      expect(body.statusCode).toBe(status);
      // An error status is an error like any other: the one error shape.
      if (status >= 400) expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
    });

    it.each([204, 304])('/status/%i answers without a body', async (status) => {
      const answer = await call(server, 'GET', `/status/${status}`);
      expect(answer.status).toBe(status);
      expect(answer.body.length).toBe(0);
    });

    it.each([
      ['100', 'cannot be answered'],
      ['199', 'cannot be answered'],
      ['600', 'cannot be answered'],
      ['9999', 'not a status code'],
      ['abc', 'not a status code'],
      ['200:-1', 'not a status code'],
      ['200:0', 'every weight is 0'],
      ['200,,500', 'not a status code'],
    ])('/status/%s: 400 saying why', async (codes, why) => {
      const reply = await rawRequest(
        server.port,
        `GET /status/${codes} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(reply.status).toBe(400);
      expect((bodyOf(reply) as { message: string }).message).toContain(why);
    });

    it('draws each code of a weighted list with its share, within statistical bounds', async () => {
      const draws = 2000;
      const statuses: number[] = [];
      for (let batch = 0; batch < draws / 50; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 50 }, () => call(server, 'GET', '/status/200:0.9,500:0.1')),
        );
        statuses.push(...answers.map((a) => a.status));
      }
      expect(new Set(statuses)).toEqual(new Set([200, 500]));
      // 10% of 2000: the standard deviation is 13.4, so 4 of them either side is 146-254.
      const failures = statuses.filter((s) => s === 500).length;
      expect(failures).toBeGreaterThan(146);
      expect(failures).toBeLessThan(254);
    });

    it('is counted under its route template, so the codes asked for cannot grow the label set', async () => {
      await call(server, 'GET', '/status/202');
      const metrics = (await server.get('/metrics')).body;
      expect(metrics).toMatch(
        /^http_request_duration_seconds_count\{method="GET",route="\/status\/:codes",status_code="202"\} [1-9]/m,
      );
      expect(metrics).not.toContain('route="/status/202"');
    });
  });

  describe('/delay/{duration}', () => {
    it.each([
      ['0.3', 300],
      ['300ms', 300],
      ['1s', 1000],
    ])('/delay/%s waits %i ms, then 200', async (duration, ms) => {
      const started = Date.now();
      const answer = await server.get(`/delay/${duration}`);
      const elapsed = Date.now() - started;
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ delayMs: ms });
      expect(elapsed).toBeGreaterThanOrEqual(ms - 5);
      expect(elapsed).toBeLessThan(ms + 500);
      const line = await server.waitForLine((l) => l.path === `/delay/${duration}`);
      expect(line).toMatchObject({ status: 200, delayMs: ms });
    });

    it.each([
      ['3.001', 'over MAX_DELAY_MS'],
      ['5s', 'over MAX_DELAY_MS'],
      ['1m', 'not a duration'],
      ['-1', 'not a duration'],
      ['soon', 'not a duration'],
    ])('/delay/%s: 400 saying why', async (duration, why) => {
      const answer = await server.get(`/delay/${duration}`);
      expect(answer.status).toBe(400);
      expect((JSON.parse(answer.body) as { message: string }).message).toContain(why);
    });

    it('stops the wait when the client leaves: 499, and no timer left', async () => {
      const req = request(server.url('/delay/2.5'), { agent: false });
      req.on('error', () => undefined).end();
      await sleep(300);
      req.destroy();
      const line = await server.waitForLine((l) => l.path === '/delay/2.5');
      expect(line).toMatchObject({ status: 499, delayMs: 2500 });
      // Node's own timers (the log flush, the connection check) are unref'd and not counted here.
      expect(activeTimers((await server.get('/metrics')).body)).toBe(0);
    });
  });

  it('GET /headers answers every request header, every value of a repeated one', async () => {
    const answer = await rawRequest(
      server.port,
      'GET /headers HTTP/1.1\r\nHost: x\r\nX-Multi: one\r\nx-multi: two\r\nX-Single: 1\r\nConnection: close\r\n\r\n',
    );
    expect(bodyOf(answer)).toEqual({
      headers: { host: 'x', 'x-multi': ['one', 'two'], 'x-single': '1', connection: 'close' },
    });
  });

  it('GET /version answers the version and what the image stamped', async () => {
    expect(JSON.parse((await server.get('/version')).body)).toEqual({
      name: 'httpserver',
      version: VERSION,
      commit: 'abc1234',
      buildTime: '2026-11-29T10:00:00Z',
    });
  });

  describe('POST /echo', () => {
    it.each([
      ['text/plain; charset=utf-8', 'hello, world'],
      ['application/json', '{"a":[1,2,3]}'],
      ['application/x-www-form-urlencoded', 'a=1&b=%20'],
      ['application/octet-stream', Buffer.from([0, 255, 1, 254])],
    ])('answers a %s body as it came', async (type, data) => {
      const answer = await call(server, 'POST', '/echo', { type, data });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe(type);
      expect(answer.body.equals(Buffer.from(data))).toBe(true);
    });

    it('answers a body over 100 KiB with 413', async () => {
      const answer = await call(server, 'POST', '/echo', {
        type: 'text/plain',
        data: 'x'.repeat(150 * 1024),
      });
      expect(answer.status).toBe(413);
    });
  });

  it('GET /openapi.json lists the read-only endpoints, and no control endpoint while control is off', async () => {
    const document = JSON.parse((await server.get('/openapi.json')).body) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/',
        '/status/{codes}',
        '/delay/{duration}',
        '/headers',
        '/version',
        '/echo',
        '/healthz',
      ]),
    );
    expect(Object.keys(document.paths)).not.toEqual(expect.arrayContaining(['/faults']));
  });

  it('GET /openapi.json gives every operation a summary, and this VERSION', async () => {
    const document = JSON.parse((await server.get('/openapi.json')).body) as {
      openapi: string;
      info: { version: string };
      paths: Record<string, Record<string, { summary?: string }>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.version).toBe(VERSION);
    const undocumented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, operation]) => !operation.summary)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(undocumented).toEqual([]);
  });
});

describe('/delay and the random delay', () => {
  it('replaces the random delay, where other routes keep it', async () => {
    const server = await ServerProcess.start({
      DELAY_MIN_MS: '1500',
      DELAY_MAX_MS: '1500',
      MAX_DELAY_MS: '1000',
    });
    try {
      let started = Date.now();
      await server.get('/delay/100ms');
      expect(Date.now() - started).toBeLessThan(1000);
      started = Date.now();
      await server.get('/headers');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1495);
    } finally {
      await server.stop();
    }
  });
});
