import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { freePort } from './support/free-port';
import { metricValue } from './support/metric-value';
import { makePodCgroup } from './support/pod-cgroup';
import { ServerProcess } from './support/server-process';

jest.setTimeout(60_000);

const TOKEN = 'test-token-0123456789';
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: string;
}

function call(
  server: ServerProcess,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  json?: unknown,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(server.url(path), { method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (json !== undefined) req.setHeader('Content-Type', 'application/json');
    req.end(json === undefined ? undefined : typeof json === 'string' ? json : JSON.stringify(json));
  });
}

/** Resident memory of a process, from /proc. */
const rssMiB = (pid: number): number =>
  Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

const CONTROL_CALLS: [string, string][] = [
  ['POST', '/readyz/disable'],
  ['POST', '/readyz/enable'],
  ['POST', '/livez/disable'],
  ['POST', '/livez/enable'],
  ['POST', '/panic'],
  ['GET', '/faults'],
  ['PUT', '/faults'],
  ['DELETE', '/faults'],
  ['GET', '/stress'],
  ['POST', '/stress/cpu'],
  ['POST', '/stress/memory'],
  ['DELETE', '/stress'],
];

describe('with control off (the default)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start();
  });
  afterAll(() => server.stop());

  it.each(CONTROL_CALLS)('%s %s answers 404, as if absent', async (method, path) => {
    expect((await call(server, method, path, AUTH)).status).toBe(404);
  });
});

describe('with control on and a token', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start({
      CONTROL_ENABLED: 'true',
      CONTROL_TOKEN: TOKEN,
      MAX_DELAY_MS: '2000',
    });
  });
  afterAll(() => server.stop());
  afterEach(async () => {
    await call(server, 'DELETE', '/faults', AUTH);
    await call(server, 'POST', '/readyz/enable', AUTH);
    await call(server, 'POST', '/livez/enable', AUTH);
  });

  it.each([
    ['no Authorization', {}],
    ['a wrong token', { Authorization: 'Bearer test-token-0123456788' }],
    ['the token in another scheme', { Authorization: `Basic ${TOKEN}` }],
    ['a longer token', { Authorization: `Bearer ${TOKEN}x` }],
  ])('refuses %s with 401 and changes nothing', async (_name, headers) => {
    const answer = await call(server, 'POST', '/readyz/disable', headers);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer /);
    expect((await server.get('/readyz')).status).toBe(200);
  });

  it('never writes the token to the log', async () => {
    await call(server, 'GET', '/faults', AUTH);
    await call(server, 'GET', '/faults', { Authorization: 'Bearer wrong-token-0123456789' });
    await server.waitForLine((l) => l.path === '/faults' && l.status === 401);
    expect(JSON.stringify(server.lines) + server.stderr).not.toMatch(/test-token|wrong-token/);
  });

  describe('probes', () => {
    it('readiness: /readyz answers 503 at once while disabled, and the other probes stay up', async () => {
      expect(JSON.parse((await call(server, 'POST', '/readyz/disable', AUTH)).body)).toEqual({
        readiness: 'disabled',
        liveness: 'enabled',
      });
      expect((await server.get('/readyz')).status).toBe(503);
      expect((await server.get('/livez')).status).toBe(200);
      expect((await server.get('/healthz')).status).toBe(200);
      expect(metricValue((await server.get('/metrics')).body, 'httpserver_readiness_disabled')).toBe(1);
      await call(server, 'POST', '/readyz/enable', AUTH);
      expect((await server.get('/readyz')).status).toBe(200);
    });

    it('liveness: /livez and /healthz answer 503 while disabled; readiness is untouched', async () => {
      await call(server, 'POST', '/livez/disable', AUTH);
      expect((await server.get('/livez')).status).toBe(503);
      expect((await server.get('/healthz')).status).toBe(503);
      expect((await server.get('/readyz')).status).toBe(200);
      await call(server, 'POST', '/livez/enable', AUTH);
      expect((await server.get('/livez')).status).toBe(200);
    });
  });

  describe('faults', () => {
    it.each([
      ['not an object', '[1]', 'expected a JSON object'],
      ['not JSON', '{bad', 'not valid JSON'],
      ['an unknown field', { errorRate: 0.1, rate: 1 }, 'unknown field rate'],
      ['an error rate above 1', { errorRate: 1.5 }, 'errorRate must be a number from 0 to 1'],
      ['a status below 400', { errorRate: 1, status: 200 }, 'status must be an integer from 400 to 599'],
      ['a status as a string', { errorRate: 1, status: '503' }, 'status must be an integer'],
      ['a delay above MAX_DELAY_MS', { delayMs: 2001 }, 'delayMs must be an integer from 0 to 2000'],
      ['a fractional delay', { delayMs: 1.5 }, 'delayMs must be an integer'],
    ])('PUT /faults refuses %s with 400 saying why, and changes nothing', async (_name, json, why) => {
      const answer = await call(server, 'PUT', '/faults', AUTH, json);
      expect(answer.status).toBe(400);
      expect((JSON.parse(answer.body) as { message: string }).message).toContain(why);
      expect(JSON.parse((await call(server, 'GET', '/faults', AUTH)).body)).toEqual({
        errorRate: 0,
        status: 500,
        delayMs: 0,
      });
    });

    it('fails application requests with the status asked, never the probes, /metrics or the control endpoints', async () => {
      const set = await call(server, 'PUT', '/faults', AUTH, { errorRate: 1, status: 503 });
      expect(JSON.parse(set.body)).toEqual({ errorRate: 1, status: 503, delayMs: 0 });
      for (const path of ['/', '/headers', '/status/200', '/no/such/route']) {
        expect([path, (await server.get(path)).status]).toEqual([
          path,
          path === '/no/such/route' ? 404 : 503,
        ]);
      }
      for (const path of ['/healthz', '/livez', '/readyz', '/metrics']) {
        expect([path, (await server.get(path)).status]).toEqual([path, 200]);
      }
      expect((await call(server, 'GET', '/faults', AUTH)).status).toBe(200);
      const metrics = (await server.get('/metrics')).body;
      expect(metricValue(metrics, 'httpserver_fault_error_ratio')).toBe(1);
      expect(metricValue(metrics, 'httpserver_fault_status')).toBe(503);
      await call(server, 'DELETE', '/faults', AUTH);
      expect((await server.get('/')).status).toBe(200);
    });

    it('fails the share asked for, within statistical bounds', async () => {
      await call(server, 'PUT', '/faults', AUTH, { errorRate: 0.3, status: 500 });
      const statuses: number[] = [];
      for (let batch = 0; batch < 20; batch++) {
        statuses.push(
          ...(await Promise.all(Array.from({ length: 50 }, () => server.get('/')))).map((a) => a.status),
        );
      }
      // 30% of 1000: the standard deviation is 14.5, so 4 of them either side is 242-358.
      const failed = statuses.filter((s) => s === 500).length;
      expect(failed).toBeGreaterThan(242);
      expect(failed).toBeLessThan(358);
      expect(statuses.filter((s) => s !== 500 && s !== 200)).toEqual([]);
    });

    it('adds the wait asked for to application requests, not to the probes', async () => {
      await call(server, 'PUT', '/faults', AUTH, { delayMs: 400 });
      let started = Date.now();
      expect((await server.get('/')).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(395);
      started = Date.now();
      await server.get('/healthz');
      expect(Date.now() - started).toBeLessThan(200);
    });
  });

  it('logs every control action at warn, saying what changed, and counts it', async () => {
    const before = metricValue(
      (await server.get('/metrics')).body,
      'httpserver_control_actions_total{action="faults_set"}',
    );
    await call(
      server,
      'PUT',
      '/faults',
      { ...AUTH, 'X-Request-Id': 'set-faults' },
      { errorRate: 0.5, status: 502, delayMs: 10 },
    );
    const line = await server.waitForLine((l) => l.reqId === 'set-faults');
    expect(line).toMatchObject({
      level: 'warn',
      method: 'PUT',
      path: '/faults',
      status: 200,
      change: 'faults set: errorRate 0.5, status 502, delayMs 10',
    });
    const after = metricValue(
      (await server.get('/metrics')).body,
      'httpserver_control_actions_total{action="faults_set"}',
    );
    expect(after - before).toBe(1);
  });

  it('is never delayed, even with the random delay on', async () => {
    const delayed = await ServerProcess.start({
      CONTROL_ENABLED: 'true',
      DELAY_MIN_MS: '1000',
      DELAY_MAX_MS: '1000',
      MAX_DELAY_MS: '1000',
    });
    try {
      const started = Date.now();
      expect((await call(delayed, 'GET', '/faults')).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      await delayed.stop();
    }
  });

  it('lists the control endpoints in /openapi.json', async () => {
    const paths = Object.keys(
      (JSON.parse((await server.get('/openapi.json')).body) as { paths: object }).paths,
    );
    expect(paths).toEqual(
      expect.arrayContaining(['/faults', '/readyz/disable', '/panic', '/stress/cpu', '/stress/memory']),
    );
  });
});

describe('FAULT_* at start-up', () => {
  it('fails requests from the first one, with control off', async () => {
    const server = await ServerProcess.start({ FAULT_ERROR_RATE: '1', FAULT_STATUS: '502' });
    try {
      expect((await server.get('/')).status).toBe(502);
      expect((await server.get('/readyz')).status).toBe(200);
      expect((await call(server, 'PUT', '/faults', {}, { errorRate: 0 })).status).toBe(404);
    } finally {
      await server.stop();
    }
  });
});

describe('POST /panic', () => {
  it('answers 202, logs fatal after the access line, and exits 1', async () => {
    const server = await ServerProcess.start({ CONTROL_ENABLED: 'true' });
    try {
      const answer = await call(server, 'POST', '/panic');
      expect(answer.status).toBe(202);
      expect((await server.exit()).code).toBe(1);
      const access = server.lines.findIndex((l) => l.path === '/panic' && l.level === 'warn');
      const fatal = server.lines.findIndex((l) => l.level === 'fatal');
      expect(access).toBeGreaterThanOrEqual(0);
      expect(fatal).toBeGreaterThan(access);
    } finally {
      await server.stop();
    }
  });
});

describe('stress', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start({ CONTROL_ENABLED: 'true' });
  });
  afterAll(() => server.stop());

  const limits = async (): Promise<{ cores: number; mib: number }> =>
    (JSON.parse((await call(server, 'GET', '/stress')).body) as { limits: { cores: number; mib: number } })
      .limits;

  it.each([
    ['/stress/cpu?cores=0', 'cores must be an integer from 1 to'],
    ['/stress/cpu?cores=99', 'cores must be an integer from 1 to'],
    ['/stress/cpu?cores=1.5', 'cores must be a whole number'],
    ['/stress/cpu?cores=1&seconds=0', 'seconds must be an integer from 1 to 3600'],
    ['/stress/cpu?cores=1&seconds=4000', 'seconds must be an integer from 1 to 3600'],
    ['/stress/memory', 'mib must be a whole number'],
    ['/stress/memory?mib=0', 'mib must be an integer from 1 to'],
    ['/stress/memory?mib=-5', 'mib must be a whole number'],
  ])('POST %s: 400 saying why', async (path, why) => {
    const answer = await call(server, 'POST', path);
    expect(answer.status).toBe(400);
    expect((JSON.parse(answer.body) as { message: string }).message).toContain(why);
  });

  it('keeps one core busy off the event loop: about a core of CPU while /healthz answers in under 50 ms at p99', async () => {
    const cpuSeconds = async (): Promise<number> =>
      metricValue((await server.get('/metrics')).body, 'process_cpu_seconds_total');
    const started = await call(server, 'POST', '/stress/cpu?cores=1&seconds=10');
    expect(JSON.parse(started.body)).toMatchObject({ cpu: { cores: 1 } });
    await sleep(500);
    const cpuBefore = await cpuSeconds();
    const wallBefore = Date.now();
    const latencies: number[] = [];
    while (Date.now() - wallBefore < 3000) {
      const sent = performance.now();
      expect((await server.get('/healthz')).status).toBe(200);
      latencies.push(performance.now() - sent);
      await sleep(10);
    }
    const cores = ((await cpuSeconds()) - cpuBefore) / ((Date.now() - wallBefore) / 1000);
    expect(cores).toBeGreaterThan(0.7);
    expect(cores).toBeLessThan(1.5);
    latencies.sort((a, b) => a - b);
    expect(latencies[Math.floor(latencies.length * 0.99)]).toBeLessThan(50);
    expect(metricValue((await server.get('/metrics')).body, 'httpserver_stress_cpu_cores')).toBe(1);
    await call(server, 'DELETE', '/stress');
    expect(metricValue((await server.get('/metrics')).body, 'httpserver_stress_cpu_cores')).toBe(0);
  });

  it('holds memory within its bound, refuses more, and gives it back at the end', async () => {
    const pid = server.child.pid as number;
    const bound = (await limits()).mib;
    expect((await call(server, 'POST', `/stress/memory?mib=${bound + 1}`)).status).toBe(400);
    const baseline = rssMiB(pid);
    const held = await call(server, 'POST', '/stress/memory?mib=256&seconds=2');
    expect(JSON.parse(held.body)).toMatchObject({ memory: { mib: 256 } });
    expect(rssMiB(pid) - baseline).toBeGreaterThan(240);
    expect(metricValue((await server.get('/metrics')).body, 'httpserver_stress_memory_bytes')).toBe(
      256 * 1024 * 1024,
    );
    await sleep(2500);
    expect(metricValue((await server.get('/metrics')).body, 'httpserver_stress_memory_bytes')).toBe(0);
    expect(rssMiB(pid) - baseline).toBeLessThan(40);
  });

  it('ends every load at SIGTERM, and the shutdown still exits 0', async () => {
    await call(server, 'POST', '/stress/cpu?cores=1&seconds=600');
    await call(server, 'POST', '/stress/memory?mib=128&seconds=600');
    const started = Date.now();
    server.signal('SIGTERM');
    expect(await server.exit()).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('stress in a pod-shaped cgroup (512 MiB, 500m, as the chart sets)', () => {
  it('bounds the load by the cgroup: one core, memory within 75% of the limit, and the pod is never OOM-killed', async () => {
    const cgroup = makePodCgroup(512, 0.5);
    if (typeof cgroup === 'string') throw new Error(`${cgroup} (this test needs root, as CI has)`);
    const server = await ServerProcess.start({ CONTROL_ENABLED: 'true' }, { cgroupProcs: cgroup.procs });
    try {
      const { cores, mib } = (
        JSON.parse((await call(server, 'GET', '/stress')).body) as { limits: { cores: number; mib: number } }
      ).limits;
      expect(cores).toBe(1);
      // 75% of 512 MiB less what the process already uses (about 100 MiB).
      expect(mib).toBeGreaterThan(200);
      expect(mib).toBeLessThan(384);
      expect((await call(server, 'POST', '/stress/cpu?cores=2')).status).toBe(400);
      expect((await call(server, 'POST', `/stress/memory?mib=${mib + 1}`)).status).toBe(400);
      // The bound is worked out per request from the RSS of the moment, which moves a few MiB.
      expect((await call(server, 'POST', `/stress/memory?mib=${mib - 16}&seconds=2`)).status).toBe(200);
      // Holding about the most it may, the process still answers, and it is still there after.
      expect((await server.get('/healthz')).status).toBe(200);
      await sleep(2500);
      expect((await server.get('/healthz')).status).toBe(200);
      server.signal('SIGTERM');
      expect(await server.exit()).toEqual({ code: 0, signal: null });
    } finally {
      await server.stop();
      cgroup.remove();
    }
  });
});

describe('CONTROL_PORT', () => {
  it('serves the control endpoints on their own port only, and closes it at shutdown', async () => {
    const controlPort = await freePort();
    const server = await ServerProcess.start({ CONTROL_ENABLED: 'true', CONTROL_PORT: String(controlPort) });
    const onControlPort = (method: string, path: string): Promise<number> =>
      new Promise((resolve, reject) => {
        request({ host: '127.0.0.1', port: controlPort, method, path, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
    try {
      expect((await call(server, 'POST', '/readyz/disable')).status).toBe(404);
      expect((await server.get('/readyz')).status).toBe(200);
      expect(await onControlPort('POST', '/readyz/disable')).toBe(200);
      expect((await server.get('/readyz')).status).toBe(503);
      // The application itself answers on both.
      expect(await onControlPort('GET', '/')).toBe(200);
      server.signal('SIGTERM');
      expect(await server.exit()).toEqual({ code: 0, signal: null });
      await expect(onControlPort('GET', '/')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await server.stop();
    }
  });
});
