import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helm, type HelmMajor, render, ROOT, template } from './support/helm';
import { schemaErrors, unknownFieldErrors } from './support/k8s-schemas';
import { findOne, type Manifest, parseManifests } from './support/manifests';
import { semanticProblems } from './support/semantics';

jest.setTimeout(60_000);

const FIXTURES = join(__dirname, 'fixtures');
const TYPED = join(ROOT, 'test', 'chart', '.typed', 'fixtures');
const fixture = (name: string): Manifest[] => parseManifests(readFileSync(join(FIXTURES, name), 'utf8'));
const labelled = (docs: Manifest[]) =>
  docs.map((doc) => ({ label: `${doc.kind}/${doc.metadata.name}`, doc }));

describe('the manifest validator', () => {
  it('rejects a misspelled Deployment field (livenessProbes)', () => {
    const errors = unknownFieldErrors(labelled(fixture('broken-deployment.yaml')), TYPED);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Deployment\/broken .*'"livenessProbes"' does not exist in type 'IContainer'/);
  });

  it('rejects a typo inside a ServiceMonitor endpoint (intervall)', () => {
    const errors = unknownFieldErrors(labelled(fixture('broken-servicemonitor.yaml')), TYPED);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^ServiceMonitor\/broken .*'"intervall"' does not exist in type 'IEndpoint'/);
  });

  it('rejects a typo inside an Istio VirtualService (perTryTimout)', () => {
    const errors = unknownFieldErrors(labelled(fixture('broken-virtualservice.yaml')), TYPED);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^VirtualService\/broken .*'"perTryTimout"' does not exist/);
  });

  it('rejects wrong types, missing required fields and bad enums', () => {
    const docs = render(4);
    const d = findOne(docs, 'Deployment');
    d.spec.replicas = 'two';
    d.spec.strategy.type = 'Sideways';
    delete d.spec.selector;
    const errors = schemaErrors(labelled([d]));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/replicas/);
    expect(errors[0]).toMatch(/strategy/);
    expect(errors[0]).toMatch(/selector/);
  });

  it('rejects a kind it has no schema for', () => {
    const doc = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } as Manifest;
    expect(schemaErrors(labelled([doc]))).toEqual(['Widget/w: no schema for example.com/v1 Widget']);
  });
});

describe('the semantic checks catch a broken rendering', () => {
  const served = new Set(['/livez', '/readyz', '/healthz', '/metrics']);
  const broken = (mutate: (docs: Manifest[]) => void): string[] => {
    const docs = render(4, { set: ['serviceMonitor.enabled=true', 'ingress.enabled=true'] });
    mutate(docs);
    return semanticProblems(docs, served);
  };
  const app = (docs: Manifest[]) => findOne(docs, 'Deployment').spec.template.spec.containers[0];

  it.each<[string, (docs: Manifest[]) => void, RegExp]>([
    [
      'requests below limits',
      (d) => (app(d).resources.requests.memory = '128Mi'),
      /memory request 128Mi != limit/,
    ],
    [
      'a probe path the app does not serve',
      (d) => (app(d).readinessProbe.httpGet.path = '/ready'),
      /readinessProbe path \/ready is not served/,
    ],
    [
      'a probe port the app does not listen on',
      (d) => (app(d).livenessProbe.httpGet.port = 9090),
      /livenessProbe port 9090/,
    ],
    [
      'a Service targetPort the pod lacks',
      (d) => (findOne(d, 'Service').spec.ports[0].targetPort = 'web'),
      /targets web/,
    ],
    [
      'a ServiceMonitor port name the Service lacks',
      (d) => (findOne(d, 'ServiceMonitor').spec.endpoints[0].port = 'metrics'),
      /ServiceMonitor port metrics/,
    ],
    [
      'an Ingress backend naming another Service',
      (d) => (findOne(d, 'Ingress').spec.rules[0].http.paths[0].backend.service.name = 'other'),
      /Ingress backend other/,
    ],
    [
      'a grace period shorter than drain + delay',
      (d) => (findOne(d, 'Deployment').spec.template.spec.terminationGracePeriodSeconds = 8),
      /grace period 8000 ms/,
    ],
    [
      'a writable root filesystem',
      (d) => (app(d).securityContext.readOnlyRootFilesystem = false),
      /read-only/,
    ],
    [
      'a PDB selecting other pods',
      (d) => (findOne(d, 'PodDisruptionBudget').spec.selector.matchLabels = { app: 'x' }),
      /PodDisruptionBudget does not select/,
    ],
    [
      'maxUnavailable above 0',
      (d) => (findOne(d, 'Deployment').spec.strategy.rollingUpdate.maxUnavailable = 1),
      /maxUnavailable 0/,
    ],
  ])('%s', (_name, mutate, expected) => {
    const problems = broken(mutate);
    expect(problems.join('\n')).toMatch(expected);
  });
});

describe('the Istio checks catch a broken rendering', () => {
  const served = new Set(['/livez', '/readyz', '/healthz', '/metrics']);
  const broken = (mutate: (docs: Manifest[]) => void): string[] => {
    const docs = render(4, { valuesFiles: [join(__dirname, 'values', 'istio.yaml')] });
    mutate(docs);
    return semanticProblems(docs, served);
  };
  const routes = (docs: Manifest[]) => findOne(docs, 'VirtualService').spec.http;
  const defaultRoute = (docs: Manifest[]) => routes(docs).find((r: { name: string }) => r.name === 'default');

  it.each<[string, (docs: Manifest[]) => void, RegExp]>([
    [
      'a subset the DestinationRule lacks',
      (d) => (defaultRoute(d).route[0].destination.subset = 'blue'),
      /subset blue, which no DestinationRule defines/,
    ],
    [
      'a port the Service lacks',
      (d) => (defaultRoute(d).route[0].destination.port.number = 8080),
      /port 8080 is not a Service port/,
    ],
    [
      'another host',
      (d) => (defaultRoute(d).route[0].destination.host = 'other.demo.svc.cluster.local'),
      /not the Service/,
    ],
    [
      'a gateway that is not rendered',
      (d) => (findOne(d, 'VirtualService').spec.gateways = ['elsewhere']),
      /gateway elsewhere is not rendered/,
    ],
    [
      'a timeout below the delay',
      (d) => (defaultRoute(d).timeout = '1500ms'),
      /timeout 1500ms does not exceed the 2000 ms delay/,
    ],
    [
      'weights not adding up to 100',
      (d) => (defaultRoute(d).route[1].weight = 50),
      /weights do not add up to 100/,
    ],
    [
      '/metrics routed',
      (d) => findOne(d, 'VirtualService').spec.http.shift(),
      /\/httpserver\/metrics is routed/,
    ],
    [
      'a subset selecting no pods',
      (d) => (findOne(d, 'DestinationRule').spec.subsets[1].labels = { version: 'v9' }),
      /subset canary selects no pods/,
    ],
    [
      'PERMISSIVE mTLS',
      (d) => (findOne(d, 'PeerAuthentication').spec.mtls.mode = 'PERMISSIVE'),
      /must be STRICT/,
    ],
    [
      '/metrics open to the gateway',
      (d) => delete findOne(d, 'AuthorizationPolicy').spec.rules[0].to,
      /admits \/metrics/,
    ],
    [
      'a Gateway without a certificate',
      (d) => delete findOne(d, 'Gateway').spec.servers[0].tls.credentialName,
      /credentialName/,
    ],
  ])('%s', (_name, mutate, expected) => {
    expect(broken(mutate).join('\n')).toMatch(expected);
  });
});

describe('the control checks catch a broken rendering', () => {
  const served = new Set(['/livez', '/readyz', '/healthz', '/metrics']);
  const broken = (mutate: (docs: Manifest[]) => void): string[] => {
    const docs = render(4, { valuesFiles: [join(__dirname, 'values', 'control.yaml')] });
    mutate(docs);
    return semanticProblems(docs, served);
  };
  const authorization = (docs: Manifest[]) => findOne(docs, 'AuthorizationPolicy').spec.rules;

  it('passes the rendering as it is', () => {
    expect(broken(() => undefined)).toEqual([]);
  });

  it.each<[string, (docs: Manifest[]) => void, RegExp]>([
    [
      'a control path left open to the gateway',
      (d) => (authorization(d)[0].to[0].operation.notPaths = ['/metrics', '/panic']),
      /admits \/readyz\/disable.*beyond the sources named for control/,
    ],
    [
      'the control paths admitted from anywhere',
      (d) => (authorization(d)[1].from = []),
      /beyond the sources named for control/,
    ],
    [
      'the control port in the traffic rule of the NetworkPolicy',
      (d) =>
        (findOne(d, 'NetworkPolicy').spec.ingress[0].ports as unknown[]).push({
          port: 'control',
          protocol: 'TCP',
        }),
      /admits the control port together with other ports/,
    ],
    [
      'the token in the ConfigMap',
      (d) => ((findOne(d, 'ConfigMap').data as Record<string, string>).CONTROL_TOKEN = 'secret'),
      /CONTROL_TOKEN is in the ConfigMap/,
    ],
    [
      'a control port the pod lacks',
      (d) => ((findOne(d, 'ConfigMap').data as Record<string, string>).CONTROL_PORT = '9191'),
      /no port "control" = CONTROL_PORT 9191/,
    ],
  ])('%s', (_name, mutate, expected) => {
    expect(broken(mutate).join('\n')).toMatch(expected);
  });
});

describe.each<HelmMajor>([4, 3])('values checks with Helm %d', (major) => {
  it('values.schema.json rejects a bad values file, naming each bad key', () => {
    const result = template(major, { valuesFiles: [join(FIXTURES, 'bad-values.yaml')] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/replicaCount/);
    expect(result.stderr).toMatch(/logLevel/);
    expect(result.stderr).toMatch(/periodSecond/);
  });

  it.each([
    ['an unknown top-level key', 'livenessProbes=1', /livenessProbes/],
    ['a wrong type', 'replicaCount=two', /replicaCount/],
    ['a bad quantity', 'resources.limits.memory=lots', /memory/],
    ['a bad duration', 'serviceMonitor.interval=often', /interval/],
  ])('rejects %s', (_name, assignment, expected) => {
    const result = template(major, { set: [assignment] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(expected);
  });

  it.each([
    [
      'a grace period not above SHUTDOWN_TIMEOUT_MS',
      'terminationGracePeriodSeconds=25',
      /terminationGracePeriodSeconds \(25 s\) must exceed config.shutdownTimeoutMs \(25000 ms\)/,
    ],
    [
      'a shutdown timeout not above drain + delay',
      'config.shutdownTimeoutMs=6000',
      /config.shutdownTimeoutMs \(6000\) must exceed/,
    ],
    [
      'inverted delay bounds',
      'config.delayMinMs=3000',
      /config.delayMinMs \(3000\) must not exceed config.delayMaxMs \(2000\)/,
    ],
  ])('refuses %s with a clear message', (_name, assignment, expected) => {
    const result = helm(major, ['template', 'rel', join(ROOT, 'helm', 'httpserver'), '--set', assignment]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(expected);
  });
});
