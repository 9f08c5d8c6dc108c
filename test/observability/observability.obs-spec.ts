import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { CHART, render } from '../chart/support/helm';
import { findAll, findOne, type Manifest } from '../chart/support/manifests';
import { freePort } from '../support/free-port';
import { ServerProcess } from '../support/server-process';
import { keepLoading, sendLoad } from './support/load';
import { PrometheusProcess } from './support/prometheus-process';

jest.setTimeout(150_000);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const NAMESPACE = 'demo';
const REQUESTS = 400;
const CONCURRENCY = 40;
/** prom-client's own gauges are named *_total; promtool's lint flags exactly these. See README "Metrics". */
const DOCUMENTED_LINT_NOTES = [
  'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
  'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
];
const SEED_P95 = 'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))';

interface DashboardTarget {
  expr: string;
}
interface Dashboard {
  panels: { title: string; targets: DashboardTarget[] }[];
  templating: { list: { name: string; type: string; query: unknown }[] };
}

/** Fills the dashboard's variables the way Grafana would for this test's single pod. */
function fillVariables(expr: string, job: string): string {
  return expr
    .replaceAll('$namespace', NAMESPACE)
    .replaceAll('$job', job)
    .replaceAll('$pod', '.+')
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '15s')
    .replaceAll('$__range', '1h');
}

describe('observability against a real Prometheus', () => {
  let manifests: Manifest[];
  let server: ServerProcess;
  let prometheus: PrometheusProcess;
  let job: string;
  let sent: Map<number, number>;

  beforeAll(async () => {
    server = await ServerProcess.start({ DELAY_MIN_MS: '0', DELAY_MAX_MS: '2000', VERSION: 'obs-1.0' });
    // Rendered with the test server's port, so the annotations name it as they would a pod's port.
    manifests = render(4, {
      set: [
        'serviceMonitor.enabled=true',
        'prometheusRule.enabled=true',
        'dashboards.enabled=true',
        'metrics.annotations=true',
        `containerPort=${server.port}`,
      ],
    });
    const service = findOne(manifests, 'Service');
    job = service.metadata.name; // the Operator's job label is the Service name
    const endpoint = findOne(manifests, 'ServiceMonitor').spec.endpoints[0];
    const podAnnotations = findOne(manifests, 'Deployment').spec.template.metadata.annotations;

    // The ServiceMonitor as the Operator would turn it into a scrape job (same path, interval,
    // timeout and target labels), pointed at the real process.
    const serviceMonitorJob = {
      job_name: `serviceMonitor/${NAMESPACE}/${job}/0`,
      metrics_path: endpoint.path,
      scrape_interval: endpoint.interval,
      scrape_timeout: endpoint.scrapeTimeout,
      static_configs: [
        {
          targets: [`127.0.0.1:${server.port}`],
          labels: {
            namespace: NAMESPACE,
            service: job,
            pod: `${job}-5d8f7c-abcde`,
            container: 'httpserver',
            endpoint: endpoint.port,
          },
        },
      ],
      relabel_configs: [{ target_label: 'job', replacement: job }],
    };
    // helm/prometheus-additional.yaml unchanged except its discovery: Debian's Prometheus has no
    // Kubernetes SD, so a file lists the pod with the meta labels Kubernetes SD would give it.
    const [annotationJob] = parse(readFileSync(join(CHART, '..', 'prometheus-additional.yaml'), 'utf8'));
    delete annotationJob.kubernetes_sd_configs;
    annotationJob.file_sd_configs = [{ files: ['pods.json'] }];
    annotationJob.scrape_interval = endpoint.interval;
    const meta = (name: string): string => `__meta_kubernetes_pod_annotation_${name.replace(/[./-]/g, '_')}`;
    const pods = [
      {
        // The pod role's address is podIP:port of a declared port; the relabeling must use the annotated one.
        targets: ['127.0.0.1:1'],
        labels: {
          __meta_kubernetes_namespace: 'annotated',
          __meta_kubernetes_pod_name: `${job}-annotated`,
          __meta_kubernetes_pod_container_name: 'httpserver',
          __meta_kubernetes_pod_container_port_name: 'http',
          ...Object.fromEntries(
            Object.entries(podAnnotations as Record<string, string>).map(([k, v]) => [meta(k), v]),
          ),
        },
      },
    ];

    const rules = { groups: findOne(manifests, 'PrometheusRule').spec.groups };
    const config = {
      global: { evaluation_interval: '5s' },
      rule_files: ['rules.yaml'],
      scrape_configs: [serviceMonitorJob, annotationJob],
    };
    prometheus = await PrometheusProcess.start(stringify(config), {
      'rules.yaml': stringify(rules),
      'pods.json': JSON.stringify(pods),
    });
    await prometheus.waitUntil(
      async () => (await prometheus.scalar(`up{namespace="${NAMESPACE}"}`)) === 1,
      20_000,
      'first scrape',
    );

    sent = await sendLoad(server.url('/'), REQUESTS, CONCURRENCY);
    // The next scrape after the load must have counted every request.
    await prometheus.waitUntil(
      async () =>
        (await prometheus.scalar(
          `sum(http_request_duration_seconds_count{namespace="${NAMESPACE}", route="/"})`,
        )) === REQUESTS,
      40_000,
      `${REQUESTS} requests counted`,
    );
  });

  afterAll(async () => {
    // Either may be unset when beforeAll failed part-way.
    await (prometheus as PrometheusProcess | undefined)?.stop();
    await (server as ServerProcess | undefined)?.stop();
  });

  it('scrapes the service at the ServiceMonitor path and port: up is 1', async () => {
    expect(await prometheus.scalar(`up{namespace="${NAMESPACE}", job="${job}"}`)).toBe(1);
    expect([...sent.entries()]).toEqual([[200, REQUESTS]]);
  });

  it('reads the p95 of the uniform 0-2 s delay between 1.75 and 2 s with the README query', async () => {
    const p95 = await prometheus.scalar(SEED_P95);
    expect(p95).toBeGreaterThan(1.75);
    expect(p95).toBeLessThan(2.0);
  });

  it('counts exactly the requests sent', async () => {
    const counted = await prometheus.scalar(
      `sum(http_request_duration_seconds_count{namespace="${NAMESPACE}", route="/", status_code="200"})`,
    );
    expect(counted).toBe(REQUESTS);
  });

  it('evaluates every dashboard panel query, variables filled in, to data', async () => {
    const dashboard = JSON.parse(
      findAll(manifests, 'ConfigMap').find((m) => m.data?.['httpserver.json'])!.data!['httpserver.json']!,
    ) as Dashboard;
    const empty: string[] = [];
    let queries = 0;
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        queries++;
        const result = await prometheus.query(fillVariables(target.expr, job)); // throws on an invalid query
        if (result.length === 0) empty.push(`${panel.title}: ${target.expr}`);
      }
    }
    expect(empty).toEqual([]);
    expect(queries).toBeGreaterThanOrEqual(14);
  });

  it('offers the service’s namespace, job and pod in the dashboard variables', async () => {
    const expected: Record<string, string> = { namespace: NAMESPACE, job, pod: `${job}-5d8f7c-abcde` };
    const dashboard = JSON.parse(
      readFileSync(join(CHART, 'dashboards', 'httpserver.json'), 'utf8'),
    ) as Dashboard;
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const match = /^label_values\((.+), (\w+)\)$/.exec((variable.query as { query: string }).query);
      expect(match).not.toBeNull();
      const answer = await prometheus.api<Record<string, string>[]>('/api/v1/series', {
        'match[]': fillVariables(match![1]!, job),
      });
      const values = answer.data.map((series) => series[match![2]!]);
      expect(values).toContain(expected[variable.name]);
    }
  });

  it('finds the pod through the annotation-based scrape config (helm/prometheus-additional.yaml)', async () => {
    const targets = await prometheus.query(`up{namespace="annotated"}`);
    expect(targets).toHaveLength(1);
    expect(targets[0]!.metric).toMatchObject({
      job,
      pod: `${job}-annotated`,
      container: 'httpserver',
      instance: `127.0.0.1:${server.port}`,
    });
    expect(targets[0]!.value[1]).toBe('1');
  });

  it('keeps every alert quiet for a healthy service', async () => {
    const answer = await prometheus.api<{ alerts: { labels: { alertname: string }; state: string }[] }>(
      '/api/v1/alerts',
    );
    expect(answer.data.alerts.map((a) => `${a.labels.alertname} ${a.state}`)).toEqual([]);
    const rules = await prometheus.api<{ groups: { rules: { name: string; health: string }[] }[] }>(
      '/api/v1/rules',
    );
    const health = rules.data.groups.flatMap((g) => g.rules.map((r) => `${r.name} ${r.health}`));
    expect(health).toEqual([
      'HttpserverHighLatencyP95 ok',
      'HttpserverHighErrorRatio ok',
      'HttpserverTargetDown ok',
      'HttpserverAbsent ok',
      'HttpserverRestarting ok',
    ]);
  });

  it('serves /metrics that promtool accepts but for prom-client’s documented defaults', async () => {
    const text = (await server.get('/metrics')).body;
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const notes = `${result.stdout}${result.stderr}`
      .trim()
      .split('\n')
      .filter((line) => line !== '');
    expect(notes).toEqual(DOCUMENTED_LINT_NOTES);
  });
});

describe('the alert rules with promtool', () => {
  /** Renders the rules, writes them beside the unit tests and runs promtool on them. */
  function promtool(
    setJson: string[],
    args: (dir: string) => string[],
  ): { status: number | null; output: string } {
    const dir = mkdtempSync(join(tmpdir(), 'httpserver-rules-'));
    try {
      const rule = findOne(render(4, { set: ['prometheusRule.enabled=true'], setJson }), 'PrometheusRule');
      writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rule.spec.groups }));
      copyFileSync(join(__dirname, 'alerts.test.yaml'), join(dir, 'alerts.test.yaml'));
      const result = spawnSync('promtool', args(dir), { cwd: dir, encoding: 'utf8' });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('promtool check rules passes on the rendered PrometheusRule', () => {
    const { status, output } = promtool([], (dir) => ['check', 'rules', join(dir, 'rules.yaml')]);
    expect(output).toContain('SUCCESS: 5 rules found');
    expect(status).toBe(0);
  });

  it('unit tests: each alert fires when it should and stays quiet on healthy series', () => {
    const { status, output } = promtool([], () => ['test', 'rules', 'alerts.test.yaml']);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('the unit tests are bound to the thresholds: raising them makes the firing cases fail', () => {
    const { status, output } = promtool(
      ['prometheusRule.latencyP95ThresholdSeconds=6', 'prometheusRule.errorRatioThreshold=0.2'],
      () => ['test', 'rules', 'alerts.test.yaml'],
    );
    expect(status).not.toBe(0);
    expect(output).toContain('HttpserverHighLatencyP95');
    expect(output).toContain('HttpserverHighErrorRatio');
  });
});

it('prometheus and promtool are the real binaries', () => {
  expect(execFileSync('prometheus', ['--version'], { encoding: 'utf8' })).toMatch(/prometheus, version 2\./);
});

describe('the alerts fire on a steered service and resolve after it (real Prometheus)', () => {
  const WINDOW = '20s';
  let server: ServerProcess;
  let prometheus: PrometheusProcess;
  let port: number;

  /** The service as a pod would run it, control on, on the same port across restarts. */
  const startService = (): Promise<ServerProcess> =>
    ServerProcess.start({
      CONTROL_ENABLED: 'true',
      MAX_DELAY_MS: '5000',
      PORT: String(port),
      VERSION: 'steer-1.0',
    });

  beforeAll(async () => {
    port = await freePort();
    server = await startService();
    // The chart's rules with their windows and `for` durations shortened through values.
    const rule = findOne(
      render(4, {
        set: [
          'prometheusRule.enabled=true',
          `prometheusRule.window=${WINDOW}`,
          'prometheusRule.for.highLatency=5s',
          'prometheusRule.for.highErrorRatio=5s',
          'prometheusRule.for.targetDown=5s',
          'prometheusRule.for.absent=5s',
        ],
        setJson: ['prometheusRule.restartsThreshold=0'],
      }),
      'PrometheusRule',
    );
    const job = rule.metadata.name;
    const config = {
      global: { evaluation_interval: '1s' },
      rule_files: ['rules.yaml'],
      scrape_configs: [
        {
          job_name: 'steered',
          scrape_interval: '1s',
          static_configs: [
            { targets: [`127.0.0.1:${port}`], labels: { namespace: NAMESPACE, pod: 'steered-0' } },
          ],
          relabel_configs: [{ target_label: 'job', replacement: job }],
        },
      ],
    };
    prometheus = await PrometheusProcess.start(stringify(config), {
      'rules.yaml': stringify({ groups: rule.spec.groups }),
    });
    await prometheus.waitUntil(async () => (await prometheus.scalar('up')) === 1, 20_000, 'first scrape');
  });

  afterAll(async () => {
    await (prometheus as PrometheusProcess | undefined)?.stop();
    await (server as ServerProcess | undefined)?.stop();
  });

  const state = async (alert: string): Promise<string> => {
    const answer = await prometheus.api<{ alerts: { labels: { alertname: string }; state: string }[] }>(
      '/api/v1/alerts',
    );
    return answer.data.alerts.find((a) => a.labels.alertname === alert)?.state ?? 'inactive';
  };
  const until = (alert: string, wanted: string, timeoutMs: number): Promise<void> =>
    prometheus.waitUntil(async () => (await state(alert)) === wanted, timeoutMs, `${alert} ${wanted}`);
  const control = async (method: string, path: string, json?: unknown): Promise<void> => {
    const answer = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: json === undefined ? {} : { 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    expect(answer.status).toBeLessThan(300);
  };

  it('HttpserverHighErrorRatio: inactive, firing under PUT /faults, resolved after DELETE /faults', async () => {
    const load = keepLoading(`http://127.0.0.1:${port}/status/200`, 20, 120_000);
    try {
      await sleep(3000);
      expect(await state('HttpserverHighErrorRatio')).toBe('inactive');
      await control('PUT', '/faults', { errorRate: 0.5, status: 503 });
      await until('HttpserverHighErrorRatio', 'firing', 45_000);
      await control('DELETE', '/faults');
      await until('HttpserverHighErrorRatio', 'inactive', 60_000);
    } finally {
      await load.stop();
    }
  });

  it('HttpserverHighLatencyP95: firing under load on /delay/3, resolved once it stops', async () => {
    expect(await state('HttpserverHighLatencyP95')).toBe('inactive');
    const slow = keepLoading(`http://127.0.0.1:${port}/delay/3`, 20, 120_000);
    try {
      await until('HttpserverHighLatencyP95', 'firing', 45_000);
    } finally {
      await slow.stop();
    }
    // The service's own 0-2 s delay keeps the p95 under the threshold (DELAY_MAX_MS + 0.5 s).
    const healthy = keepLoading(`http://127.0.0.1:${port}/`, 20, 120_000);
    try {
      await until('HttpserverHighLatencyP95', 'inactive', 60_000);
    } finally {
      await healthy.stop();
    }
  });

  it('HttpserverRestarting: firing after a crash through POST /panic and a restart', async () => {
    expect(await state('HttpserverRestarting')).toBe('inactive');
    await control('POST', '/panic');
    expect((await server.exit()).code).toBe(1);
    // What the kubelet would do: start the container again, on the same port.
    server = await startService();
    await until('HttpserverRestarting', 'firing', 30_000);
  });
});
