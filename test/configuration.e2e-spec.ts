import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLP_PROTOCOLS } from '../src/common/config/app-config';
import { loadConfig } from '../src/common/config/load-config';
import { firstColumnNames } from './support/readme';
import { ServerProcess } from './support/server-process';

jest.setTimeout(60_000);

/** Every variable loadConfig() reads, whichever branches the values take. */
function variablesTheLoaderReads(): Set<string> {
  const names = new Set<string>();
  const environments: NodeJS.ProcessEnv[] = [
    {},
    { TRUST_PROXY: '2', KUBERNETES_SERVICE_HOST: '10.0.0.1' },
    {
      TRUST_PROXY: '10.0.0.0/8',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      BACKEND_URL: 'http://a/',
    },
  ];
  for (const env of environments) {
    loadConfig(
      new Proxy(env, {
        get: (target, key) => {
          if (typeof key === 'string') names.add(key);
          return Reflect.get(target, key) as unknown;
        },
      }),
    );
  }
  return names;
}

const ENV_NAME = /^[A-Z][A-Z0-9_]+$/;

describe('the README configuration table', () => {
  const documented = firstColumnNames('Configuration', ENV_NAME);

  it('lists every variable the configuration loader reads', () => {
    expect([...variablesTheLoaderReads()].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('lists every OTEL_* variable the running service reads (its SDK and exporters too), with every OTLP protocol, and nothing that is not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'httpserver-env-'));
    const read = variablesTheLoaderReads();
    try {
      for (const protocol of OTLP_PROTOCOLS) {
        const spyFile = join(dir, protocol.replace('/', '-'));
        const server = await ServerProcess.start(
          // Nothing listens on port 9: the exporter fails quietly (and soon), after reading its settings.
          {
            OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
            OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
            OTEL_EXPORTER_OTLP_TIMEOUT: '300',
          },
          { envSpyFile: spyFile },
        );
        await server.get('/');
        server.signal('SIGTERM');
        await server.exit();
        for (const name of readFileSync(spyFile, 'utf8').split('\n')) read.add(name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const otel = [...read].filter((name) => name.startsWith('OTEL_'));
    expect(otel.length).toBeGreaterThan(10);
    expect(otel.filter((name) => !documented.has(name))).toEqual([]);
    expect([...documented].filter((name) => !read.has(name))).toEqual([]);
  });
});

describe('start-up', () => {
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

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
    server = await ServerProcess.start(env, { waitReady: false });
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
      const second = await ServerProcess.start(env(), { waitReady: false });
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
