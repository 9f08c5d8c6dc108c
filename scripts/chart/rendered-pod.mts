/**
 * For make chart-run, from the rendered Deployment and ConfigMap: prints what the running pod is
 * checked against, one `name=value` line each for the shell, and writes the copy podman plays.
 * Usage: node rendered-pod.mts RENDERED PLAYABLE
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';

interface Probe {
  httpGet: { path: string; port: number | string };
}
interface Container {
  name: string;
  ports?: { name: string; containerPort: number }[];
  resources: { limits: { cpu: string; memory: string } };
  startupProbe: Probe;
  readinessProbe: Probe;
  livenessProbe: Probe;
}
interface PodSpec {
  securityContext: { runAsUser: number };
  terminationGracePeriodSeconds: number;
  containers: Container[];
}
interface Doc {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: { replicas?: number; template: { spec: PodSpec } };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`rendered-pod: the rendering has no ${what}`);
  return value;
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
const DECIMAL: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, '': 1 };

function bytes(quantity: string): number {
  const [, number, unit = ''] = /^(\d+(?:\.\d+)?)([KMG]i|[kMG])?$/.exec(quantity) ?? [];
  const factor = BINARY[unit] ?? DECIMAL[unit];
  if (number === undefined || factor === undefined)
    throw new Error(`memory quantity ${quantity} is not understood`);
  return Math.round(Number(number) * factor);
}

function millicores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

const [rendered, playable] = process.argv.slice(2);
const docs = parseAllDocuments(readFileSync(required(rendered, 'file argument'), 'utf8')).map(
  (d) => d.toJS() as Doc,
);
const deployment = required(
  docs.find((d) => d.kind === 'Deployment'),
  'Deployment',
);
const config = required(docs.find((d) => d.kind === 'ConfigMap')?.data, 'ConfigMap');
const setting = (name: string): string => required(config[name], `${name} in the ConfigMap`);
const spec = required(deployment.spec, 'Deployment spec');
const pod = spec.template.spec;
const app = required(
  pod.containers.find((c) => c.name === 'httpserver'),
  'httpserver container',
);
const portOf = (port: number | string): number =>
  typeof port === 'number'
    ? port
    : required(
        app.ports?.find((p) => p.name === port),
        `container port ${port}`,
      ).containerPort;

const facts: Record<string, string | number> = {
  deployment: deployment.metadata.name,
  container: app.name,
  run_as_user: pod.securityContext.runAsUser,
  memory_limit_bytes: bytes(app.resources.limits.memory),
  cpu_limit_millicores: millicores(app.resources.limits.cpu),
  version: config.VERSION ?? '',
  delay_min_ms: setting('DELAY_MIN_MS'),
  delay_max_ms: setting('DELAY_MAX_MS'),
  port: setting('PORT'),
  drain_ms: setting('SHUTDOWN_DRAIN_MS'),
  grace_seconds: pod.terminationGracePeriodSeconds,
};
for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
  const { path, port } = app[kind].httpGet;
  facts[`${kind}_url`] = `http://127.0.0.1:${portOf(port)}${path}`;
}
for (const [name, value] of Object.entries(facts)) console.log(`${name}=${value}`);

// podman 4.3 publishes every containerPort on the host's 0.0.0.0, which a cluster never does, so the
// copy it plays lists no ports (the probe URLs above resolved them). One pod is enough.
for (const container of pod.containers) delete container.ports;
spec.replicas = 1;
writeFileSync(required(playable, 'output argument'), docs.map((doc) => stringify(doc)).join('---\n'));
