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

/**
 * Routes whose GET 200 series exist from start-up at zero: a counter that first appears with its
 * whole count is invisible to rate() and increase(), so without them a load right after a (re)start
 * would not show in the latency or request-rate graphs.
 */
export const PRESET_ROUTES = ['/', ...PROBE_AND_SCRAPE_ROUTES];

/** Label value shared by every request that matched no route, so random URLs cannot grow the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Route label of every request answered before it became a request object: refused by the HTTP
 * parser (400, 408, 413, 414, 431) or a CONNECT. A flood of them shows as one series per status.
 */
export const REJECTED_ROUTE = 'rejected';

/** Method label of a refused request whose request line could not be read. */
export const REJECTED_METHOD = 'unknown';

/** Status label of a request whose client hung up before the response was sent (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

/**
 * Fine resolution across the 0-2 s random delay, with a boundary at exactly 2 s so quantiles of a
 * healthy service are not smeared up to the next bucket.
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 5, 10,
];
