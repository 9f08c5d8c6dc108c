import { Inject, Injectable } from '@nestjs/common';
import { PROBE_AND_SCRAPE_ROUTES } from '../common/http/routes';
import { LATENCY_HISTOGRAM, type LatencyHistogram } from './latency-histogram';

/**
 * Routes whose GET 200 series exist from start-up at zero: a counter that first appears with its
 * whole count is invisible to rate() and increase(), so without them a load right after a (re)start
 * would not show in the latency or request-rate graphs.
 */
const PRESET_ROUTES = ['/', ...PROBE_AND_SCRAPE_ROUTES];

/** Records each finished request in the latency histogram. */
@Injectable()
export class RequestMetrics {
  constructor(@Inject(LATENCY_HISTOGRAM) private readonly duration: LatencyHistogram) {
    for (const route of PRESET_ROUTES) duration.zero('GET', route, 200);
  }

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    this.duration.observe(method, route, statusCode, seconds);
  }
}
