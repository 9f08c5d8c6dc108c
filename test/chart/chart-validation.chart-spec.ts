import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helm, type HelmMajor, render, ROOT, template } from './support/helm';
import { GATEWAY_API_RELEASES, gatewayApiErrors } from './support/crd-schemas';
import { schemaErrors, unknownFieldErrors } from './support/k8s-schemas';
import { findAll, findOne, type Manifest, parseManifests } from './support/manifests';
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

  it('rejects a typo inside an HTTPRoute rewrite (replacePrefixMatc), by the models and by each Gateway API release', () => {
    const docs = labelled(fixture('broken-httproute.yaml'));
    const errors = unknownFieldErrors(docs, TYPED);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^HTTPRoute\/broken .*'"replacePrefixMatc"' does not exist/);
    for (const release of GATEWAY_API_RELEASES) {
      expect(gatewayApiErrors(docs, release)).toEqual([
        `HTTPRoute/broken: Gateway API ${release}: /spec/rules/0/filters/0/urlRewrite/path must NOT have additional properties (replacePrefixMatc)`,
      ]);
    }
  });

  it('rejects a field only the experimental channel has (HTTPRoute retry), which the models let through', () => {
    const docs = labelled(fixture('experimental-httproute.yaml'));
    expect(unknownFieldErrors(docs, TYPED)).toEqual([]);
    expect(schemaErrors(docs)).toEqual([]);
    for (const release of GATEWAY_API_RELEASES) {
      expect(gatewayApiErrors(docs, release).join('\n')).toMatch(
        /rules\/0 must NOT have additional properties \(retry\)/,
      );
    }
  });

  it('rejects a misspelled Gateway listener field and an unknown protocol', () => {
    const docs = labelled(fixture('broken-gateway.yaml'));
    const errors = gatewayApiErrors(docs, 'v1.6.1').join('\n');
    expect(errors).toMatch(/listeners\/0 must NOT have additional properties \(allowedRoute\)/);
    expect(unknownFieldErrors(docs, TYPED).join('\n')).toMatch(/'"allowedRoute"' does not exist/);
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

describe('the Gateway API checks catch a broken rendering', () => {
  const served = new Set(['/livez', '/readyz', '/healthz', '/metrics']);
  const broken = (mutate: (docs: Manifest[]) => void, file = 'gateway-api.yaml'): string[] => {
    const docs = render(4, { valuesFiles: [join(__dirname, 'values', file)] });
    mutate(docs);
    return semanticProblems(docs, served);
  };
  const route = (docs: Manifest[]) => findAll(docs, 'HTTPRoute')[0]!;
  const byWeight = (docs: Manifest[]) => route(docs).spec.rules.at(-1);
  const service = (docs: Manifest[], name: string) =>
    findAll(docs, 'Service').find((s) => s.metadata.name === name)!;
  const listeners = (docs: Manifest[]) => findOne(docs, 'Gateway').spec.listeners;

  it.each(['gateway-api.yaml', 'gateway-api-shared.yaml'])('passes %s as it renders', (file) => {
    expect(broken(() => undefined, file)).toEqual([]);
  });

  it.each<[string, (docs: Manifest[]) => void, RegExp]>([
    [
      'a backendRef naming no Service',
      (d) => (byWeight(d).backendRefs[0].name = 'rel-httpserver-blue'),
      /backendRef rel-httpserver-blue is not a rendered Service/,
    ],
    [
      'a backendRef port the Service lacks',
      (d) => (byWeight(d).backendRefs[1].port = 8080),
      /backendRef port 8080 is not a port of Service rel-httpserver-canary/,
    ],
    [
      'a rewrite of another prefix than the path match',
      (d) => byWeight(d).matches.push({ path: { type: 'PathPrefix', value: '/other' } }),
      /ReplacePrefixMatch needs one PathPrefix match for every match/,
    ],
    [
      'a rewrite to another path than /',
      (d) => (byWeight(d).filters[0].urlRewrite.path.replacePrefixMatch = '/api'),
      /the prefix must be rewritten to \//,
    ],
    [
      'a timeout the longest request outlasts',
      (d) => (byWeight(d).timeouts.request = '10s'),
      /request timeout 10s does not exceed the longest request \(10000 ms\)/,
    ],
    [
      'weights that do not add up to 100',
      (d) => (byWeight(d).backendRefs[1].weight = 50),
      /weights add up to 140, not 100/,
    ],
    [
      'a track Service selecting both tracks',
      (d) => delete service(d, 'rel-httpserver-canary').spec.selector.version,
      /Service rel-httpserver-canary selects the pods of 2 tracks/,
    ],
    [
      'two weighted Services on one track',
      (d) => (service(d, 'rel-httpserver-canary').spec.selector.version = 'stable'),
      /two weighted Services select the stable track/,
    ],
    [
      '/metrics passed through',
      (d) => route(d).spec.rules.shift(),
      /\/httpserver\/metrics reaches the service's \/metrics/,
    ],
    [
      'an HTTP listener for another host than the HTTPS ones',
      (d) => (listeners(d)[1].hostname = 'other.example.com'),
      /the HTTP and HTTPS listeners do not share host names/,
    ],
    [
      'an HTTPS listener without a certificate',
      (d) => delete listeners(d)[0].tls.certificateRefs,
      /listener https-0 has no certificate/,
    ],
    [
      'the route served on plain HTTP',
      (d) => route(d).spec.parentRefs.push({ name: 'rel-httpserver', sectionName: 'http-0' }),
      /serves on plain HTTP instead of redirecting/,
    ],
    [
      'a listener the Gateway lacks',
      (d) => (route(d).spec.parentRefs[0].sectionName = 'https-9'),
      /names a listener the Gateway lacks/,
    ],
    [
      'no redirect for plain HTTP',
      (d) => d.splice(d.indexOf(findAll(d, 'HTTPRoute')[1]!), 1),
      /nothing redirects its HTTP listeners to HTTPS/,
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
    [
      'an HTTPRoute timeout the longest request outlasts',
      'httpRoute.enabled=true,gateway.enabled=true,httpRoute.timeout=10s',
      /httpRoute.timeout \(10s\) must exceed the longest request, max\(config.delayMaxMs, config.maxDelayMs\) \+ faults.delayMs \(10000 ms\)/,
    ],
    [
      'an HTTPRoute attached to no Gateway',
      'httpRoute.enabled=true',
      /httpRoute.parentRefs is empty and gateway.enabled is false/,
    ],
    [
      'an HTTPRoute attached to two kinds of Gateway',
      'httpRoute.enabled=true,gateway.enabled=true,httpRoute.parentRefs[0].name=shared',
      /httpRoute.parentRefs names Gateways and gateway.enabled creates one/,
    ],
    ['a Gateway with no route', 'gateway.enabled=true', /gateway.enabled needs httpRoute.enabled/],
    [
      'the canary keys under istio.virtualService (moved to canary.*)',
      'istio.virtualService.canary.weight=10',
      /canary/,
    ],
    ['the ingress rewrite under its old name (now nginxRewrite)', 'ingress.rewrite.enabled=true', /rewrite/],
  ])('refuses %s with a clear message', (_name, assignment, expected) => {
    const result = helm(major, ['template', 'rel', join(ROOT, 'helm', 'httpserver'), '--set', assignment]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(expected);
  });
});
