import { Histogram, Registry } from 'prom-client';
import { LatencyHistogram } from './latency-histogram';

const BUCKETS = [0.005, 0.01, 0.5, 2, 10];
const NAME = 'http_request_duration_seconds';
const HELP = 'Time from receiving a request to finishing its response.';

/** prom-client's own Histogram and ours, each in a registry of its own, fed the same observations. */
function pair(): { ours: LatencyHistogram; theirs: Histogram; text: () => Promise<[string, string]> } {
  const ourRegistry = new Registry();
  const theirRegistry = new Registry();
  const ours = new LatencyHistogram(NAME, HELP, BUCKETS).registerIn(ourRegistry);
  const theirs = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ['method', 'route', 'status_code'],
    buckets: BUCKETS,
    registers: [theirRegistry],
  });
  // Series come out grouped by route in ours and in first-seen order in prom-client's: compare as sets.
  const sorted = (text: string): string => text.split('\n').sort().join('\n');
  return {
    ours,
    theirs,
    text: async () => [sorted(await ourRegistry.metrics()), sorted(await theirRegistry.metrics())],
  };
}

describe('LatencyHistogram', () => {
  it('exposes what prom-client’s Histogram exposes for the same observations, bounds included', async () => {
    const { ours, theirs, text } = pair();
    const observations: [string, string, number, number][] = [
      ['GET', '/', 200, 0],
      ['GET', '/', 200, 0.005],
      ['GET', '/', 200, 0.0051],
      ['GET', '/', 200, 2],
      ['GET', '/', 200, 10],
      ['GET', '/', 200, 11.5],
      ['GET', '/', 503, 0.3],
      ['POST', '/', 405, 0.001],
      ['GET', '/status/:codes', 418, 1.999],
      ['GET', 'unmatched', 404, 0.02],
      ['GET', 'unmatched', 404, 0.02],
    ];
    for (const [method, route, status, seconds] of observations) {
      ours.observe(method, route, status, seconds);
      theirs.observe({ method, route, status_code: String(status) }, seconds);
    }
    const [ourText, theirText] = await text();
    expect(ourText).toBe(theirText);
    expect(ourText).toContain(`${NAME}_bucket{le="+Inf",method="GET",route="/",status_code="200"} 6`);
    expect(ourText).toContain(`${NAME}_bucket{le="0.005",method="GET",route="/",status_code="200"} 2`);
  });

  it('exposes a zeroed series before any observation, as prom-client’s zero() does', async () => {
    const { ours, theirs, text } = pair();
    ours.zero('GET', '/healthz', 200);
    theirs.zero({ method: 'GET', route: '/healthz', status_code: '200' });
    const [ourText, theirText] = await text();
    expect(ourText).toBe(theirText);
    expect(ourText).toContain(`${NAME}_count{method="GET",route="/healthz",status_code="200"} 0`);
  });

  it('forgets every series on reset()', async () => {
    const { ours, theirs, text } = pair();
    ours.observe('GET', '/', 200, 1);
    theirs.observe({ method: 'GET', route: '/', status_code: '200' }, 1);
    ours.reset();
    theirs.reset();
    const [ourText, theirText] = await text();
    expect(ourText).toBe(theirText);
    expect(ourText).not.toContain('route=');
  });

  it('takes the place of a metric of the same name already in the registry', async () => {
    const registry = new Registry();
    new LatencyHistogram(NAME, HELP, BUCKETS).registerIn(registry).observe('GET', '/', 200, 1);
    new LatencyHistogram(NAME, HELP, BUCKETS).registerIn(registry);
    expect(await registry.metrics()).not.toContain('route=');
  });
});
