import { findAll, type Manifest } from './manifests';

const GATEWAY_API = 'gateway.networking.k8s.io/v1';

interface PathMatch {
  type?: string;
  value?: string;
}
interface RouteRule {
  matches?: { path?: PathMatch; headers?: { name: string; value: string }[] }[];
  filters?: {
    type: string;
    urlRewrite?: { path?: { type: string; replacePrefixMatch?: string; replaceFullPath?: string } };
    requestRedirect?: { scheme?: string };
  }[];
  backendRefs?: { name: string; port?: number; weight?: number; kind?: string }[];
  timeouts?: { request?: string };
}
interface ParentRef {
  name: string;
  namespace?: string;
  sectionName?: string;
}
interface Listener {
  name: string;
  hostname?: string;
  protocol: string;
  tls?: { certificateRefs?: { name: string }[] };
}

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** Milliseconds of a Gateway API duration (1h, 10s, 500ms, 1m30s). */
function durationMs(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  for (const [, value, unit] of text.matchAll(/(\d+)(ms|s|m|h)/g)) total += Number(value) * units[unit!]!;
  return total;
}

/** Gateway API's precedence for a plain request (no headers): the longest matching path prefix. */
function ruleFor(rules: RouteRule[], path: string): RouteRule | undefined {
  const prefixOf = (rule: RouteRule): number => {
    const lengths = (rule.matches ?? [{}])
      .filter((m) => m.headers === undefined)
      .map((m) => m.path?.value ?? '/')
      .filter(
        (prefix) => prefix === '/' || path === prefix || path.startsWith(`${prefix.replace(/\/$/, '')}/`),
      )
      .map((prefix) => prefix.length);
    return lengths.length === 0 ? -1 : Math.max(...lengths);
  };
  const best = Math.max(-1, ...rules.map(prefixOf));
  return best < 0 ? undefined : rules.find((rule) => prefixOf(rule) === best);
}

/**
 * Checks between the Gateway API resources, the Services and the pods: where each route sends a
 * request, what it rewrites, how long it waits, and how the Gateway's listeners pair up.
 */
export function gatewayApiProblems(manifests: Manifest[], config: Record<string, string>): string[] {
  const problems: string[] = [];
  const routes = findAll(manifests, 'HTTPRoute').filter((m) => m.apiVersion === GATEWAY_API);
  const gateways = findAll(manifests, 'Gateway').filter((m) => m.apiVersion === GATEWAY_API);
  if (routes.length === 0 && gateways.length === 0) return problems;
  const services = new Map(findAll(manifests, 'Service').map((s) => [s.metadata.name, s]));
  const pods = findAll(manifests, 'Deployment').map(
    (d) => d.spec.template.metadata.labels as Record<string, string>,
  );
  const longestMs =
    Math.max(Number(config.DELAY_MAX_MS), Number(config.MAX_DELAY_MS ?? 0)) +
    Number(config.FAULT_DELAY_MS ?? 0);

  const tracksOf = (serviceName: string): Set<string> =>
    new Set(
      pods
        .filter((labels) => matches(services.get(serviceName)?.spec.selector, labels))
        .map((l) => l.version!),
    );

  for (const route of routes) {
    const name = `HTTPRoute ${route.metadata.name}`;
    const rules = route.spec.rules as RouteRule[];
    for (const [index, rule] of rules.entries()) {
      const where = `${name} rule ${index}`;
      for (const ref of rule.backendRefs ?? []) {
        const service = services.get(ref.name);
        if ((ref.kind ?? 'Service') !== 'Service' || service === undefined) {
          problems.push(`${where}: backendRef ${ref.name} is not a rendered Service`);
          continue;
        }
        if (!(service.spec.ports as { port: number }[]).some((p) => p.port === ref.port))
          problems.push(`${where}: backendRef port ${ref.port} is not a port of Service ${ref.name}`);
      }
      const forwards = (rule.backendRefs ?? []).length > 0;
      if (forwards && !(durationMs(rule.timeouts?.request ?? '0s') > longestMs))
        problems.push(
          `${where}: request timeout ${rule.timeouts?.request} does not exceed the longest request (${longestMs} ms)`,
        );
      const rewrite = rule.filters?.find((f) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch');
      if (rewrite !== undefined) {
        const prefixes = new Set(
          (rule.matches ?? [{}]).map((m) => (m.path?.type === 'PathPrefix' ? m.path.value : undefined)),
        );
        if (prefixes.has(undefined) || prefixes.size !== 1)
          problems.push(`${where}: ReplacePrefixMatch needs one PathPrefix match for every match`);
        if (rewrite.urlRewrite?.path?.replacePrefixMatch !== '/')
          problems.push(`${where}: the prefix must be rewritten to /`);
      }
      // Weighted backends are tracks: each Service holds the pods of one track, and no two the same.
      const weighted = (rule.backendRefs ?? []).filter((ref) => services.has(ref.name));
      if (weighted.length > 1) {
        const total = weighted.reduce((sum, ref) => sum + (ref.weight ?? 1), 0);
        if (total !== 100) problems.push(`${where}: weights add up to ${total}, not 100`);
        const seen = new Set<string>();
        for (const ref of weighted) {
          const tracks = tracksOf(ref.name);
          if (tracks.size !== 1)
            problems.push(`${where}: Service ${ref.name} selects the pods of ${tracks.size} tracks`);
          for (const track of tracks) {
            if (seen.has(track)) problems.push(`${where}: two weighted Services select the ${track} track`);
            seen.add(track);
          }
        }
      }
    }
    // What the rules send on: the service's paths under the prefix, never its /metrics.
    const served = rules.find((rule) =>
      rule.filters?.some((f) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch'),
    );
    const prefix = served?.matches?.[0]?.path?.value ?? '/';
    for (const path of [`${prefix.replace(/\/$/, '')}/metrics`, `${prefix.replace(/\/$/, '')}/metrics/x`]) {
      const rule = ruleFor(rules, path);
      if (rule?.backendRefs === undefined) continue;
      const fullPath = rule.filters?.find((f) => f.urlRewrite?.path?.type === 'ReplaceFullPath')?.urlRewrite
        ?.path?.replaceFullPath;
      const rewritesPrefix = rule.filters?.some((f) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch');
      if (
        fullPath === undefined ||
        fullPath === '/metrics' ||
        fullPath.startsWith('/metrics/') ||
        rewritesPrefix
      )
        problems.push(`${name}: ${path} reaches the service's /metrics`);
    }
  }

  for (const gateway of gateways) {
    const listeners = gateway.spec.listeners as Listener[];
    const hostsOf = (protocol: string) =>
      new Set(listeners.filter((l) => l.protocol === protocol).map((l) => l.hostname ?? '*'));
    const https = hostsOf('HTTPS');
    const http = hostsOf('HTTP');
    if (https.size === 0) problems.push(`Gateway ${gateway.metadata.name} has no HTTPS listener`);
    if ([...http].some((h) => !https.has(h)) || [...https].some((h) => !http.has(h)))
      problems.push(`Gateway ${gateway.metadata.name}: the HTTP and HTTPS listeners do not share host names`);
    for (const listener of listeners.filter((l) => l.protocol === 'HTTPS')) {
      if ((listener.tls?.certificateRefs ?? []).length === 0)
        problems.push(`Gateway listener ${listener.name} has no certificate`);
    }
    const attached = (route: Manifest) =>
      (route.spec.parentRefs as ParentRef[])
        .filter((ref) => ref.name === gateway.metadata.name && ref.namespace === undefined)
        .map((ref) => listeners.find((l) => l.name === ref.sectionName));
    for (const route of routes) {
      const on = attached(route);
      if (on.includes(undefined))
        problems.push(`HTTPRoute ${route.metadata.name} names a listener the Gateway lacks`);
      const rules = route.spec.rules as RouteRule[];
      const redirectsOnly = rules.every(
        (rule) =>
          rule.backendRefs === undefined &&
          rule.filters?.some((f) => f.type === 'RequestRedirect' && f.requestRedirect?.scheme === 'https'),
      );
      if (on.some((l) => l?.protocol === 'HTTP') && !redirectsOnly)
        problems.push(
          `HTTPRoute ${route.metadata.name} serves on plain HTTP instead of redirecting to HTTPS`,
        );
      const listenerHosts = new Set(on.map((l) => l?.hostname ?? '*'));
      for (const host of (route.spec.hostnames ?? []) as string[]) {
        if (on.length > 0 && !listenerHosts.has(host) && !listenerHosts.has('*'))
          problems.push(`HTTPRoute ${route.metadata.name} host ${host} has no listener on its Gateway`);
      }
    }
    if (!routes.some((route) => attached(route).some((l) => l?.protocol === 'HTTP')) && http.size > 0)
      problems.push(`Gateway ${gateway.metadata.name}: nothing redirects its HTTP listeners to HTTPS`);
  }
  return problems;
}
