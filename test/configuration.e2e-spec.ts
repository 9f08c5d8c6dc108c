import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OTLP_PROTOCOLS } from '../src/common/config/app-config';
import { loadConfig } from '../src/common/config/load-config';
import { rawRequest } from './support/raw-http';
import { ROOT } from './support/readme';
import { ServerProcess } from './support/server-process';

jest.setTimeout(60_000);

/** The backticked names in the first column of the tables of one README section. */
function firstColumnNames(heading: string, pattern: RegExp): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README.md has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  const names = new Set<string>();
  for (const row of readme.slice(start, end === -1 ? undefined : end).split('\n')) {
    const firstCell = /^\|([^|]*)\|/.exec(row)?.[1] ?? '';
    for (const [, name] of firstCell.matchAll(/`([^`]+)`/g)) if (pattern.test(name!)) names.add(name!);
  }
  return names;
}

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
          true,
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
