import { CONTROL_ROUTES } from '../../../src/common/http/routes';
import { gatewayApiProblems } from './gateway-api-semantics';
import { findAll, findOne, type Manifest, mainService } from './manifests';

/** Minimum time the grace period must leave beyond drain + longest delay, for the handler and the log flush. */
export const GRACE_MARGIN_MS = 5000;

function matches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

interface Container {
  name: string;
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  volumeMounts?: { name: string; mountPath: string }[];
}

/**
 * Cross-document checks on one rendering. `servedPaths` are paths the real app answers (not 404).
 * Returns one sentence per problem; an empty list means the rendering is consistent.
 */
export function semanticProblems(manifests: Manifest[], servedPaths: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const problem = (text: string): void => {
    problems.push(text);
  };

  const service = mainService(manifests);
  const deployments = findAll(manifests, 'Deployment');
  const deployment =
    deployments.find((d) => d.metadata.labels?.version === 'stable') ?? findOne(manifests, 'Deployment');
  for (const other of deployments.filter((d) => d !== deployment)) {
    for (const found of semanticProblems(
      // Its pod-level checks only; the Istio and Gateway API checks already see every Deployment.
      [
        ...manifests.filter(
          (m) => m.kind !== 'Deployment' && !/istio\.io|gateway\.networking\.k8s\.io/.test(m.apiVersion),
        ),
        other,
      ],
      servedPaths,
    )) {
      problem(`${other.metadata.name}: ${found}`);
    }
    if (!matches(service.spec.selector, other.spec.template.metadata.labels))
      problem(`the Service does not select the pods of ${other.metadata.name}`);
  }
  const configMapName = deployment.spec.template.spec.containers[0].envFrom?.[0]?.configMapRef?.name;
  const config = findAll(manifests, 'ConfigMap').find((m) => m.metadata.name === configMapName)?.data;
  if (config === undefined) return [`the ConfigMap ${configMapName} loaded with envFrom is not rendered`];
  const podTemplate = deployment.spec.template;
  const podSpec = podTemplate.spec;
  const podLabels = podTemplate.metadata.labels as Record<string, string>;
  const app = (podSpec.containers as Container[]).find((c) => c.name === 'httpserver');
  if (app === undefined) return ['the Deployment has no httpserver container'];
  const appPort = Number(config.PORT);
  const portByName = new Map((app.ports ?? []).map((p) => [p.name, p.containerPort]));

  for (const m of manifests) {
    for (const key of [
      'app.kubernetes.io/name',
      'app.kubernetes.io/instance',
      'app.kubernetes.io/version',
      'app.kubernetes.io/managed-by',
      'helm.sh/chart',
    ]) {
      if (!m.metadata.labels?.[key]) problem(`${m.kind}/${m.metadata.name} lacks the label ${key}`);
    }
  }

  // Resources: Guaranteed QoS for every container the chart runs, the helm test pod's included.
  const pods = [podSpec, ...findAll(manifests, 'Pod').map((p) => p.spec)];
  for (const container of pods.flatMap((spec) => spec.containers as Container[])) {
    const { requests = {}, limits = {} } = container.resources ?? {};
    for (const resource of ['cpu', 'memory']) {
      if (requests[resource] === undefined || requests[resource] !== limits[resource]) {
        problem(
          `container ${container.name}: ${resource} request ${requests[resource]} != limit ${limits[resource]} (not Guaranteed)`,
        );
      }
    }
  }

  // The app listens where the pod says it does, and the probes ask it things it answers.
  if (portByName.get('http') !== appPort)
    problem(`container port "http" is ${portByName.get('http')}, the app listens on PORT=${appPort}`);
  for (const probeName of ['startupProbe', 'readinessProbe', 'livenessProbe'] as const) {
    const probe = app[probeName]?.httpGet;
    if (probe === undefined) {
      problem(`no httpGet ${probeName}`);
      continue;
    }
    const port = typeof probe.port === 'string' ? portByName.get(probe.port) : probe.port;
    if (port !== appPort) problem(`${probeName} port ${probe.port} is not the app's port ${appPort}`);
    if (!servedPaths.has(probe.path)) problem(`${probeName} path ${probe.path} is not served by the app`);
  }
  if (app.readinessProbe?.httpGet?.path !== '/readyz')
    problem('the readiness probe must use /readyz (it fails as soon as shutdown begins)');
  if (!['/livez', '/healthz'].includes(app.livenessProbe?.httpGet?.path ?? ''))
    problem('the liveness probe must use /livez or /healthz');

  // Rollouts and shutdown.
  const strategy = deployment.spec.strategy;
  if (strategy?.type !== 'RollingUpdate' || strategy.rollingUpdate?.maxUnavailable !== 0)
    problem('rolling update must have maxUnavailable 0');
  if (!(deployment.spec.minReadySeconds > 0)) problem('minReadySeconds must be positive');
  if (!podTemplate.metadata.annotations?.['checksum/config'])
    problem('no checksum/config annotation to roll pods on config changes');
  const graceMs = Number(podSpec.terminationGracePeriodSeconds) * 1000;
  const drainPlusDelay = Number(config.SHUTDOWN_DRAIN_MS) + Number(config.DELAY_MAX_MS);
  if (!(graceMs >= drainPlusDelay + GRACE_MARGIN_MS))
    problem(
      `grace period ${graceMs} ms does not cover drain + delay ${drainPlusDelay} ms + ${GRACE_MARGIN_MS} ms`,
    );
  if (!(graceMs > Number(config.SHUTDOWN_TIMEOUT_MS)))
    problem(`grace period ${graceMs} ms does not exceed SHUTDOWN_TIMEOUT_MS ${config.SHUTDOWN_TIMEOUT_MS}`);

  // Security.
  const podSecurity = podSpec.securityContext ?? {};
  if (podSecurity.runAsNonRoot !== true || !(podSecurity.runAsUser > 0))
    problem('pod must run as a numeric non-root user');
  if (podSecurity.seccompProfile?.type !== 'RuntimeDefault')
    problem('pod seccompProfile must be RuntimeDefault');
  if (podSpec.automountServiceAccountToken !== false) problem('pod must not mount a service account token');
  const security = app.securityContext ?? {};
  if (security.readOnlyRootFilesystem !== true) problem('root filesystem must be read-only');
  if (security.allowPrivilegeEscalation !== false) problem('privilege escalation must be off');
  if (!security.capabilities?.drop?.includes('ALL')) problem('all capabilities must be dropped');
  const tmpMount = app.volumeMounts?.find((v) => v.mountPath === '/tmp');
  const tmpVolume = (podSpec.volumes ?? []).find((v: { name: string }) => v.name === tmpMount?.name);
  if (tmpVolume?.emptyDir === undefined) problem('/tmp must be an emptyDir');
  const serviceAccounts = findAll(manifests, 'ServiceAccount');
  if (serviceAccounts.length > 0) {
    if (serviceAccounts[0]!.metadata.name !== podSpec.serviceAccountName)
      problem('pods do not use the chart ServiceAccount');
    if (serviceAccounts[0]!.automountServiceAccountToken !== false)
      problem('the ServiceAccount must not automount its token');
  }

  // Selectors and port references between documents.
  if (!matches(deployment.spec.selector.matchLabels, podLabels))
    problem('the Deployment selector does not match its pods');
  if (!matches(service.spec.selector, podLabels)) problem('the Service selector does not match the pods');
  const servicePortNames = new Set((service.spec.ports as { name: string }[]).map((p) => p.name));
  for (const port of service.spec.ports as { name: string; targetPort: string | number }[]) {
    const target = typeof port.targetPort === 'string' ? portByName.get(port.targetPort) : port.targetPort;
    if (target === undefined)
      problem(`Service port ${port.name} targets ${port.targetPort}, which the pod does not have`);
  }
  for (const monitor of findAll(manifests, 'ServiceMonitor')) {
    if (!matches(monitor.spec.selector.matchLabels, service.metadata.labels))
      problem('the ServiceMonitor does not select the Service');
    for (const endpoint of monitor.spec.endpoints as { port: string; path: string }[]) {
      if (!servicePortNames.has(endpoint.port))
        problem(`ServiceMonitor port ${endpoint.port} is not a Service port`);
      if (!servedPaths.has(endpoint.path))
        problem(`ServiceMonitor path ${endpoint.path} is not served by the app`);
    }
  }
  for (const ingress of findAll(manifests, 'Ingress')) {
    for (const rule of ingress.spec.rules as {
      http: { paths: { backend: { service: { name: string; port: { name?: string; number?: number } } } }[] };
    }[]) {
      for (const { backend } of rule.http.paths) {
        if (backend.service.name !== service.metadata.name)
          problem(`Ingress backend ${backend.service.name} is not the Service`);
        const port = backend.service.port;
        const known =
          port.name !== undefined
            ? servicePortNames.has(port.name)
            : (service.spec.ports as { port: number }[]).some((p) => p.port === port.number);
        if (!known) problem(`Ingress backend port ${JSON.stringify(port)} is not a Service port`);
      }
    }
    for (const tls of ingress.spec.tls ?? []) {
      const hosts = new Set((ingress.spec.rules as { host: string }[]).map((r) => r.host));
      if (!(tls.hosts as string[]).every((h) => hosts.has(h)))
        problem('Ingress TLS hosts differ from its rules');
    }
  }
  for (const pdb of findAll(manifests, 'PodDisruptionBudget')) {
    if (!matches(pdb.spec.selector.matchLabels, podLabels))
      problem('the PodDisruptionBudget does not select the pods');
  }
  for (const hpa of findAll(manifests, 'HorizontalPodAutoscaler')) {
    const target = hpa.spec.scaleTargetRef;
    if (target.kind !== 'Deployment' || target.name !== deployment.metadata.name)
      problem('the HPA does not scale the Deployment');
    if (deployment.spec.replicas !== undefined) problem('with an HPA the Deployment must not set replicas');
  }
  for (const policy of findAll(manifests, 'NetworkPolicy')) {
    if (!matches(policy.spec.podSelector.matchLabels, podLabels))
      problem('the NetworkPolicy does not select the pods');
    for (const rule of policy.spec.ingress as { ports: { port: string | number }[] }[]) {
      for (const { port } of rule.ports) {
        if (typeof port === 'string' && !portByName.has(port))
          problem(`NetworkPolicy port ${port} is not a pod port`);
      }
    }
  }
  for (const spread of podSpec.topologySpreadConstraints ?? []) {
    if (!matches(spread.labelSelector.matchLabels, podLabels))
      problem(`topology spread on ${spread.topologyKey} does not select the pods`);
  }
  problems.push(...istioProblems(manifests, Number(config.DELAY_MAX_MS)));
  problems.push(...gatewayApiProblems(manifests, config));
  problems.push(...controlProblems(manifests, config, app, portByName));
  return problems;
}

interface PolicyRule {
  from?: { source: { principals?: string[]; namespaces?: string[] } }[];
  to?: { operation: { paths?: string[]; notPaths?: string[] } }[];
}

/** True when an Istio path pattern (exact, or a prefix ending in "*") covers `path`. */
const covers = (pattern: string, path: string): boolean =>
  pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;

/**
 * The control endpoints, when on, are reachable only as configured: their port, if any, is the
 * pod's and is kept out of the traffic rule of the NetworkPolicy; Istio admits their paths only to
 * the sources named for them; the token comes from a Secret, never from the ConfigMap.
 */
function controlProblems(
  manifests: Manifest[],
  config: Record<string, string>,
  app: Container & { env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: unknown } }[] },
  portByName: Map<string | undefined, number>,
): string[] {
  const problems: string[] = [];
  if ('CONTROL_TOKEN' in config)
    problems.push('CONTROL_TOKEN is in the ConfigMap: it must come from a Secret');
  const token = app.env?.find((e) => e.name === 'CONTROL_TOKEN');
  if (token !== undefined && token.valueFrom?.secretKeyRef === undefined)
    problems.push('CONTROL_TOKEN must come from a secretKeyRef');
  if (config.CONTROL_ENABLED !== 'true') {
    if (config.CONTROL_PORT !== undefined || token !== undefined)
      problems.push('control settings are rendered while control is off');
    return problems;
  }
  const controlPort = config.CONTROL_PORT === undefined ? undefined : Number(config.CONTROL_PORT);
  if (controlPort !== undefined && portByName.get('control') !== controlPort)
    problems.push(`the pod has no port "control" = CONTROL_PORT ${controlPort}`);
  for (const policy of findAll(manifests, 'NetworkPolicy')) {
    for (const rule of policy.spec.ingress as { ports: { port: string | number }[] }[]) {
      const ports = rule.ports.map((p) => (typeof p.port === 'string' ? portByName.get(p.port) : p.port));
      if (controlPort !== undefined && ports.includes(controlPort) && ports.length > 1)
        problems.push('a NetworkPolicy rule admits the control port together with other ports');
    }
  }
  for (const policy of findAll(manifests, 'AuthorizationPolicy')) {
    for (const rule of policy.spec.rules as PolicyRule[]) {
      for (const { operation } of rule.to ?? [{ operation: {} }]) {
        const admitted = [...CONTROL_ROUTES].filter((route) =>
          operation.paths === undefined
            ? !(operation.notPaths ?? []).some((pattern) => covers(pattern, route))
            : operation.paths.some((pattern) => covers(pattern, route)),
        );
        if (admitted.length === 0) continue;
        const sources = (rule.from ?? []).map((f) => f.source);
        const named =
          sources.length > 0 && sources.every((s) => (s.principals ?? s.namespaces ?? []).length > 0);
        const gateway = sources.some((s) => (s.principals ?? []).some((p) => p.includes('ingressgateway')));
        if (!named || gateway || operation.paths === undefined)
          problems.push(
            `AuthorizationPolicy admits ${admitted.join(', ')} beyond the sources named for control`,
          );
      }
    }
  }
  return problems;
}

/** Milliseconds of a Go/Istio duration such as 10s, 1m30s or 500ms. */
export function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, value, unit] of text.matchAll(/([\d.]+)(ms|s|m|h)/g)) total += Number(value) * units[unit!]!;
  return total;
}

interface HttpRoute {
  name?: string;
  match?: { uri?: { prefix?: string; exact?: string; regex?: string }; headers?: Record<string, unknown> }[];
  route?: { destination: { host: string; subset?: string; port?: { number: number } }; weight?: number }[];
  directResponse?: { status: number };
  timeout?: string;
  retries?: { perTryTimeout?: string };
}

/** The first route Envoy would pick for a plain GET of this path (no special headers). */
function firstRouteFor(routes: HttpRoute[], path: string): HttpRoute | undefined {
  return routes.find((r) =>
    (r.match ?? [{}]).some(
      (m) =>
        m.headers === undefined &&
        (m.uri === undefined ||
          (m.uri.prefix !== undefined && path.startsWith(m.uri.prefix)) ||
          m.uri.exact === path ||
          (m.uri.regex !== undefined && new RegExp(`^${m.uri.regex}$`).test(path))),
    ),
  );
}

const istioGateways = (manifests: Manifest[]): Manifest[] =>
  findAll(manifests, 'Gateway').filter((g) => g.apiVersion.startsWith('networking.istio.io/'));

/** Checks between the Istio resources, the Service and the pods. */
function istioProblems(manifests: Manifest[], delayMaxMs: number): string[] {
  const problems: string[] = [];
  const virtualServices = findAll(manifests, 'VirtualService');
  if (virtualServices.length === 0) return problems;
  const service = mainService(manifests);
  const namespace = 'demo';
  const serviceHosts = new Set([
    service.metadata.name,
    `${service.metadata.name}.${namespace}.svc.cluster.local`,
  ]);
  const servicePorts = new Set((service.spec.ports as { port: number }[]).map((p) => p.port));
  const podLabelSets = findAll(manifests, 'Deployment').map(
    (d) => d.spec.template.metadata.labels as Record<string, string>,
  );
  const selectsAllPods = (selector: Record<string, string> | undefined): boolean =>
    podLabelSets.every((labels) => matches(selector, labels));
  const rules = findAll(manifests, 'DestinationRule');
  const subsets = new Map(
    rules.flatMap((r) =>
      (r.spec.subsets as { name: string; labels: Record<string, string> }[]).map(
        (sub) => [sub.name, sub.labels] as const,
      ),
    ),
  );
  const gateways = new Set(
    istioGateways(manifests).flatMap((g) => [g.metadata.name, `${namespace}/${g.metadata.name}`]),
  );

  for (const rule of rules) {
    if (!serviceHosts.has(rule.spec.host))
      problems.push(`DestinationRule host ${rule.spec.host} is not the Service`);
    if (rule.spec.trafficPolicy?.tls?.mode !== 'ISTIO_MUTUAL')
      problems.push('DestinationRule must use ISTIO_MUTUAL');
    for (const [name, labels] of subsets) {
      if (!podLabelSets.some((pod) => matches(labels, pod))) problems.push(`subset ${name} selects no pods`);
    }
  }
  for (const vs of virtualServices) {
    for (const ref of vs.spec.gateways as string[]) {
      if (!ref.includes('/') && !gateways.has(ref))
        problems.push(`VirtualService gateway ${ref} is not rendered`);
    }
    const routes = vs.spec.http as HttpRoute[];
    for (const route of routes) {
      for (const { destination } of route.route ?? []) {
        if (!serviceHosts.has(destination.host))
          problems.push(`route ${route.name} goes to ${destination.host}, not the Service`);
        if (destination.subset === undefined || !subsets.has(destination.subset))
          problems.push(
            `route ${route.name} names subset ${destination.subset}, which no DestinationRule defines`,
          );
        if (destination.port === undefined || !servicePorts.has(destination.port.number))
          problems.push(`route ${route.name} port ${destination.port?.number} is not a Service port`);
      }
      if (route.route !== undefined) {
        const weights = route.route.map((r) => r.weight ?? (route.route!.length === 1 ? 100 : 0));
        if (weights.reduce((a, b) => a + b, 0) !== 100)
          problems.push(`route ${route.name} weights do not add up to 100`);
        if (!(durationMs(route.timeout ?? '0s') > delayMaxMs))
          problems.push(
            `route ${route.name} timeout ${route.timeout} does not exceed the ${delayMaxMs} ms delay`,
          );
        if (!(durationMs(route.retries?.perTryTimeout ?? '0s') > delayMaxMs))
          problems.push(`route ${route.name} perTryTimeout does not exceed the ${delayMaxMs} ms delay`);
      }
    }
    const prefix = (routes.find((r) => r.name === 'default')?.match?.[0]?.uri?.prefix ?? '/').replace(
      /\/?$/,
      '/',
    );
    for (const path of ['/metrics', `${prefix}metrics`, `${prefix}metrics/`]) {
      const chosen = firstRouteFor(routes, path);
      if (chosen?.route !== undefined) problems.push(`${path} is routed to the service through the gateway`);
    }
  }
  for (const pa of findAll(manifests, 'PeerAuthentication')) {
    if (pa.spec.mtls?.mode !== 'STRICT') problems.push('PeerAuthentication must be STRICT');
    if (!selectsAllPods(pa.spec.selector?.matchLabels))
      problems.push('PeerAuthentication does not select every pod');
  }
  for (const ap of findAll(manifests, 'AuthorizationPolicy')) {
    if (ap.spec.action !== 'ALLOW') problems.push('AuthorizationPolicy must be an ALLOW policy');
    if (!selectsAllPods(ap.spec.selector?.matchLabels))
      problems.push('AuthorizationPolicy does not select every pod');
    type Rule = {
      from: { source: { principals: string[] } }[];
      to?: { operation: { paths?: string[]; notPaths?: string[] } }[];
    };
    for (const rule of ap.spec.rules as Rule[]) {
      const op = rule.to?.[0]?.operation; // no "to" admits every path
      const metricsOnly = op?.paths?.length === 1 && op.paths[0] === '/metrics';
      const admitsMetrics =
        op === undefined ||
        (op.paths === undefined ? op.notPaths?.includes('/metrics') !== true : op.paths.includes('/metrics'));
      if (!metricsOnly && admitsMetrics)
        problems.push('an AuthorizationPolicy rule admits /metrics to non-Prometheus callers');
    }
  }
  for (const telemetry of findAll(manifests, 'Telemetry')) {
    if (!selectsAllPods(telemetry.spec.selector?.matchLabels))
      problems.push('Telemetry does not select every pod');
    for (const tracing of telemetry.spec.tracing as { randomSamplingPercentage: number }[]) {
      if (!(tracing.randomSamplingPercentage >= 0 && tracing.randomSamplingPercentage <= 100))
        problems.push('sampling percentage out of 0-100');
    }
  }
  for (const gateway of istioGateways(manifests)) {
    type Server = {
      port: { number: number; protocol: string };
      tls?: { mode?: string; credentialName?: string; httpsRedirect?: boolean };
    };
    const servers = gateway.spec.servers as Server[];
    const https = servers.find((server) => server.port.protocol === 'HTTPS');
    if (https?.tls?.mode !== 'SIMPLE' || !https.tls.credentialName)
      problems.push('the Gateway needs an HTTPS server with tls SIMPLE and a credentialName');
    const http = servers.find((server) => server.port.protocol === 'HTTP');
    if (http !== undefined && http.tls?.httpsRedirect !== true)
      problems.push('the Gateway HTTP server must redirect to HTTPS');
  }
  return problems;
}
