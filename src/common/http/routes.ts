/** How the service classifies requests: for the delay, the faults, the access log, tracing and the metric labels. */

/** Where Prometheus scrapes the service. */
export const METRICS_PATH = '/metrics';

/** The service's own API description (OpenAPI). */
export const OPENAPI_PATH = '/openapi.json';

/**
 * Probe and scrape routes, hit by kubelet and Prometheus every few seconds: never delayed, never
 * faulted, never traced, logged at debug only.
 */
export const PROBE_AND_SCRAPE_ROUTES: ReadonlySet<string> = new Set([
  '/healthz',
  '/livez',
  '/readyz',
  METRICS_PATH,
]);

/** The control endpoints (CONTROL_ENABLED): they change the service's state, so they log at warn. */
export const CONTROL_ROUTES: ReadonlySet<string> = new Set([
  '/readyz/disable',
  '/readyz/enable',
  '/livez/disable',
  '/livez/enable',
  '/panic',
  '/faults',
  '/stress/cpu',
  '/stress/memory',
  '/stress',
]);

/** Routes that operate the service rather than serve traffic: never delayed, never faulted. */
export const OPERATIONAL_ROUTES: ReadonlySet<string> = new Set([
  ...PROBE_AND_SCRAPE_ROUTES,
  ...CONTROL_ROUTES,
  OPENAPI_PATH,
]);

/** GET /delay/{duration}: its own wait replaces the random delay. */
export const DELAY_ROUTE = '/delay/:duration';

/** Label value shared by every request that matched no route, so random URLs cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Route label of every request answered before it became a request object: refused by the HTTP
 * parser (400, 408, 413, 414, 431) or a CONNECT. A flood of them shows as one series per status.
 */
export const REJECTED_ROUTE = 'rejected';

/** Method label of a refused request whose request line could not be read. */
export const REJECTED_METHOD = 'unknown';
