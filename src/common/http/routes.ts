/** How the service classifies requests: for the delay, the access log, tracing and the metric labels. */

/** Where Prometheus scrapes the service. */
export const METRICS_PATH = '/metrics';

/**
 * Probe and scrape routes, hit by kubelet and Prometheus every few seconds: never delayed, never
 * traced, logged at debug only.
 */
export const PROBE_AND_SCRAPE_ROUTES: ReadonlySet<string> = new Set([
  '/healthz',
  '/livez',
  '/readyz',
  METRICS_PATH,
]);

/** Label value shared by every request that matched no route, so random URLs cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Route label of every request answered before it became a request object: refused by the HTTP
 * parser (400, 408, 413, 414, 431) or a CONNECT. A flood of them shows as one series per status.
 */
export const REJECTED_ROUTE = 'rejected';

/** Method label of a refused request whose request line could not be read. */
export const REJECTED_METHOD = 'unknown';
