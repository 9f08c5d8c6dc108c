import { Injectable } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Histogram } from 'prom-client';
import { PROBE_AND_SCRAPE_ROUTES } from '../common/http/routes';

/**
 * Routes whose GET 200 series exist from start-up at zero: a counter that first appears with its
 * whole count is invisible to rate() and increase(), so without them a load right after a (re)start
 * would not show in the latency or request-rate graphs.
 */
const PRESET_ROUTES = ['/', ...PROBE_AND_SCRAPE_ROUTES];

type LatencyChild = ReturnType<Histogram['labels']>;

/** Records the latency histogram; children are cached so a request costs one Map lookup, not a label hash. */
@Injectable()
export class RequestMetrics {
  private readonly children = new Map<string, LatencyChild>();

  constructor(
    @InjectMetric('http_request_duration_seconds')
    private readonly duration: Histogram<'method' | 'route' | 'status_code'>,
  ) {
    for (const route of PRESET_ROUTES) duration.zero({ method: 'GET', route, status_code: '200' });
  }

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${method} ${statusCode} ${route}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = this.duration.labels(method, route, String(statusCode));
      this.children.set(key, child);
    }
    child.observe(seconds);
  }
}
