import { join } from 'node:path';
import request from 'supertest';
import { createTestApp } from '../support/test-app';
import { CHART, helm, type HelmMajor, render, ROOT, valueArgs } from './support/helm';
import { GATEWAY_API_RELEASES, gatewayApiErrors } from './support/crd-schemas';
import { type LabelledManifest, schemaErrors, unknownFieldErrors } from './support/k8s-schemas';
import { findAll, findOne, type Manifest } from './support/manifests';
import { semanticProblems } from './support/semantics';

jest.setTimeout(120_000);

const VALUES = join(__dirname, 'values');
const CASES: { name: string; files: string[] }[] = [
  { name: 'defaults', files: [] },
  { name: 'everything-on', files: [join(VALUES, 'everything-on.yaml')] },
  { name: 'minimal', files: [join(VALUES, 'minimal.yaml')] },
  { name: 'ingress-tls-rewrite', files: [join(VALUES, 'ingress-tls-rewrite.yaml')] },
  { name: 'hpa', files: [join(VALUES, 'hpa.yaml')] },
  { name: 'networkpolicy', files: [join(VALUES, 'networkpolicy.yaml')] },
  { name: 'istio', files: [join(VALUES, 'istio.yaml')] },
  { name: 'control', files: [join(VALUES, 'control.yaml')] },
  { name: 'gateway-api', files: [join(VALUES, 'gateway-api.yaml')] },
  { name: 'gateway-api-shared', files: [join(VALUES, 'gateway-api-shared.yaml')] },
];
const HELMS: HelmMajor[] = [4, 3];
/** The oldest Kubernetes the chart supports and the newest Helm 4 knows. */
const KUBE_VERSIONS = ['1.29.0', '1.35.0'];

interface Rendering {
  key: string;
  manifests: Manifest[];
}

const renderings: Rendering[] = [];
for (const major of HELMS) {
  for (const kubeVersion of KUBE_VERSIONS) {
    for (const { name, files } of CASES) {
      renderings.push({
        key: `helm${major} k8s${kubeVersion} ${name}`,
        manifests: render(major, { valuesFiles: files, kubeVersion }),
      });
    }
  }
}
const byKey = (key: string): Manifest[] => renderings.find((r) => r.key === key)!.manifests;

/** Paths the real application answers with anything but 404, asked of the app itself. */
let servedPaths: Set<string>;
beforeAll(async () => {
  const { app, lifecycle } = await createTestApp();
  lifecycle.markListening();
  const candidates = new Set<string>();
  for (const { manifests } of renderings) {
    for (const deployment of findAll(manifests, 'Deployment')) {
      const container = deployment.spec.template.spec.containers[0];
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        candidates.add(container[probe].httpGet.path);
      }
    }
    for (const monitor of findAll(manifests, 'ServiceMonitor')) {
      for (const endpoint of monitor.spec.endpoints) candidates.add(endpoint.path);
    }
  }
  servedPaths = new Set();
  for (const path of candidates) {
    if ((await request(app.getHttpServer()).get(path)).status !== 404) servedPaths.add(path);
  }
  await app.close();
});

describe.each(HELMS)('Helm %d', (major) => {
  it.each(CASES)('lints the chart strictly with $name values', ({ files }) => {
    for (const kubeVersion of KUBE_VERSIONS) {
      const result = helm(major, [
        'lint',
        '--strict',
        CHART,
        '--kube-version',
        kubeVersion,
        ...valueArgs({ valuesFiles: files }),
      ]);
      expect(`${result.stdout}${result.stderr}`).toContain('0 chart(s) failed');
      expect(result.status).toBe(0);
    }
  });
});

describe('every rendered document', () => {
  const documents: LabelledManifest[] = renderings.flatMap(({ key, manifests }) =>
    manifests.map((doc) => ({ label: `${key}: ${doc.kind}/${doc.metadata.name}`, doc })),
  );

  it('passes its kind’s JSON schema (types, required fields, enums)', () => {
    expect(schemaErrors(documents)).toEqual([]);
  });

  it('has no unknown or misspelled field', () => {
    expect(unknownFieldErrors(documents, join(ROOT, 'test', 'chart', '.typed', 'rendered'))).toEqual([]);
  });

  it.each(GATEWAY_API_RELEASES)(
    'of the Gateway API passes the standard-channel CRD schemas of %s, strictly',
    (release) => {
      expect(documents.some(({ doc }) => doc.kind === 'HTTPRoute')).toBe(true);
      expect(gatewayApiErrors(documents, release)).toEqual([]);
    },
  );
});

describe.each(renderings.map((r) => r.key))('%s', (key) => {
  it('is consistent: ports, probes, selectors, QoS, shutdown timing, security', () => {
    expect(semanticProblems(byKey(key), servedPaths)).toEqual([]);
  });
});

describe('what each values file turns on', () => {
  const kinds = (name: string): string[] =>
    byKey(`helm4 k8s1.35.0 ${name}`)
      .map((m) => m.kind)
      .sort();

  it('defaults: two pods with a PDB, spread across nodes and zones, and a ServiceAccount', () => {
    expect(kinds('defaults')).toEqual([
      'ConfigMap',
      'Deployment',
      'Pod',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    const deployment = findOne(byKey('helm4 k8s1.35.0 defaults'), 'Deployment');
    expect(deployment.spec.replicas).toBe(2);
    expect(
      deployment.spec.template.spec.topologySpreadConstraints.map(
        (t: { topologyKey: string }) => t.topologyKey,
      ),
    ).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
  });

  it('minimal: one pod, no PDB, no spread, the namespace default ServiceAccount', () => {
    expect(kinds('minimal')).toEqual(['ConfigMap', 'Deployment', 'Pod', 'Service']);
    const spec = findOne(byKey('helm4 k8s1.35.0 minimal'), 'Deployment').spec.template.spec;
    expect(spec.serviceAccountName).toBe('default');
    expect(spec.topologySpreadConstraints).toBeUndefined();
  });

  it('everything-on: every optional kind', () => {
    expect(kinds('everything-on')).toEqual([
      'Certificate',
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Ingress',
      'NetworkPolicy',
      'Pod',
      'PodDisruptionBudget',
      'PrometheusRule',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
  });

  it('ingress-tls-rewrite: /httpserver/(.*) rewritten to /$2, TLS from the named secret, cluster issuer annotation', () => {
    const ingress = findOne(byKey('helm4 k8s1.35.0 ingress-tls-rewrite'), 'Ingress');
    expect(ingress.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/rewrite-target': '/$2',
      'nginx.ingress.kubernetes.io/use-regex': 'true',
      'cert-manager.io/cluster-issuer': 'letsencrypt-prod',
    });
    expect(ingress.spec.rules[0].http.paths[0]).toMatchObject({
      path: '/httpserver(/|$)(.*)',
      pathType: 'ImplementationSpecific',
    });
    expect(ingress.spec.tls).toEqual([{ secretName: 'httpserver-cert', hosts: ['cluster.example.org'] }]);
    expect(ingress.spec.ingressClassName).toBe('nginx');
  });

  it('everything-on: the Certificate fills the Ingress TLS secret for its hosts', () => {
    const manifests = byKey('helm4 k8s1.35.0 everything-on');
    const certificate = findOne(manifests, 'Certificate');
    const ingress = findOne(manifests, 'Ingress');
    expect(certificate.spec.secretName).toBe(ingress.spec.tls[0].secretName);
    expect(certificate.spec.dnsNames).toEqual(ingress.spec.tls[0].hosts);
  });

  it('hpa: CPU only when the memory target is 0, and no replicas on the Deployment', () => {
    const manifests = byKey('helm4 k8s1.35.0 hpa');
    const hpa = findOne(manifests, 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
      },
    ]);
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
  });

  it('networkpolicy: the ingress controller, Prometheus and the extra peer, on the http port', () => {
    const policy = findOne(byKey('helm4 k8s1.35.0 networkpolicy'), 'NetworkPolicy');
    expect(policy.spec.ingress[0].from).toHaveLength(3);
    expect(policy.spec.ingress[0].ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
  });

  it('gateway-api: the chart’s Gateway, a canary by header and by weight on a Service per track, HTTP redirected', () => {
    const manifests = byKey('helm4 k8s1.35.0 gateway-api');
    expect(kinds('gateway-api')).toEqual([
      'Certificate',
      'ConfigMap',
      'Deployment',
      'Deployment',
      'Gateway',
      'HTTPRoute',
      'HTTPRoute',
      'NetworkPolicy',
      'Pod',
      'PodDisruptionBudget',
      'Service',
      'Service',
      'Service',
      'ServiceAccount',
    ]);
    const [route, redirect] = findAll(manifests, 'HTTPRoute');
    const [metrics, byHeader, byWeight] = route!.spec.rules;
    expect(metrics.matches[0].path).toEqual({ type: 'PathPrefix', value: '/httpserver/metrics' });
    expect(byHeader.matches[0].headers).toEqual([{ type: 'Exact', name: 'x-canary', value: 'always' }]);
    expect(byHeader.backendRefs).toEqual([{ name: 'rel-httpserver-canary', port: 80 }]);
    expect(byWeight.filters[0].urlRewrite.path).toEqual({
      type: 'ReplacePrefixMatch',
      replacePrefixMatch: '/',
    });
    expect(byWeight.backendRefs).toEqual([
      { name: 'rel-httpserver-stable', port: 80, weight: 90 },
      { name: 'rel-httpserver-canary', port: 80, weight: 10 },
    ]);
    expect(byWeight.timeouts).toEqual({ request: '15s' });
    expect(route!.spec.parentRefs.map((p: { sectionName: string }) => p.sectionName)).toEqual([
      'https-0',
      'https-1',
    ]);
    expect(redirect!.spec.parentRefs.map((p: { sectionName: string }) => p.sectionName)).toEqual([
      'http-0',
      'http-1',
    ]);
    expect(redirect!.spec.rules).toEqual([
      { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
    ]);
    const gateway = findOne(manifests, 'Gateway');
    expect(gateway.spec.gatewayClassName).toBe('istio');
    expect(findOne(manifests, 'Certificate').spec).toMatchObject({
      secretName: 'rel-httpserver-gateway-tls',
      dnsNames: ['httpserver.example.com', 'www.httpserver.example.com'],
    });
    expect(findOne(manifests, 'NetworkPolicy').spec.ingress[0].from).toContainEqual({
      podSelector: { matchLabels: { 'gateway.networking.k8s.io/gateway-name': 'rel-httpserver' } },
    });
  });

  it('gateway-api-shared: the platform’s Gateway, everything at /, and its namespace admitted', () => {
    const manifests = byKey('helm4 k8s1.35.0 gateway-api-shared');
    const route = findOne(manifests, 'HTTPRoute');
    expect(route.spec.parentRefs).toEqual([
      { name: 'shared', namespace: 'gateway-system', sectionName: 'https' },
    ]);
    const served = route.spec.rules.at(-1);
    expect(served.matches).toEqual([{ path: { type: 'PathPrefix', value: '/' } }]);
    expect(served.filters).toBeUndefined();
    expect(findAll(manifests, 'Gateway')).toEqual([]);
    expect(findOne(manifests, 'NetworkPolicy').spec.ingress[0].from).toContainEqual({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gateway-system' } },
    });
  });

  it('ingress: the cluster’s default IngressClass unless one is named, and no ingress-nginx annotation', () => {
    const ingress = findOne(render(4, { set: ['ingress.enabled=true'] }), 'Ingress');
    expect(ingress.spec.ingressClassName).toBeUndefined();
    expect(ingress.metadata.annotations).toBeUndefined();
  });

  it('everything-on: the ServiceMonitor carries the selector labels, interval and relabelings', () => {
    const monitor = findOne(byKey('helm4 k8s1.35.0 everything-on'), 'ServiceMonitor');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics', interval: '30s' });
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['demo'] });
  });

  it('the ConfigMap holds the service environment and a change rolls the pods', () => {
    const before = byKey('helm4 k8s1.35.0 defaults');
    const after = render(4, { set: ['config.logLevel=debug'] });
    expect(findAll(after, 'ConfigMap')[0]!.data).toMatchObject({
      LOG_LEVEL: 'debug',
      PORT: '8080',
      DELAY_MAX_MS: '2000',
    });
    const checksum = (m: Manifest[]): string =>
      findOne(m, 'Deployment').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(after)).not.toBe(checksum(before));
    const container = findOne(before, 'Deployment').spec.template.spec.containers[0];
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'rel-httpserver' } }]);
  });
});
