import { Module } from '@nestjs/common';
import { getToken, makeGaugeProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, register } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '../common/config/app-config';
import { LifecycleState } from '../common/lifecycle/lifecycle-state';
import { OverloadMonitor } from '../common/lifecycle/overload-monitor';
import { METRICS_PATH } from '../common/http/routes';
import { LATENCY_HISTOGRAM, LatencyHistogram } from './latency-histogram';
import { RequestMetrics } from './request-metrics';

/**
 * Fine resolution across the 0-2 s random delay, with a boundary at exactly 2 s so quantiles of a
 * healthy service are not smeared up to the next bucket.
 */
const LATENCY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 5, 10,
];

/** The request latency histogram, registered in prom-client's default registry (latency-histogram.ts). */
const latencyHistogram = {
  provide: LATENCY_HISTOGRAM,
  useFactory: () =>
    new LatencyHistogram(
      'http_request_duration_seconds',
      'Time from receiving a request to finishing its response, including the random delay.',
      LATENCY_BUCKETS_SECONDS,
    ).registerIn(register),
};

/** A gauge read from LifecycleState at scrape time, so the count is kept in one place only. */
const inFlightGauge = {
  provide: getToken('http_requests_in_flight'),
  inject: [LifecycleState],
  useFactory: (state: LifecycleState) => {
    // The newest application owns the gauge (several are built in one process by the tests).
    register.removeSingleMetric('http_requests_in_flight');
    return new Gauge({
      name: 'http_requests_in_flight',
      help: 'Requests received and not yet answered (delays and bodies still arriving included; a scrape does not count itself).',
      registers: [register],
      collect() {
        this.set(state.inFlightRequests);
      },
    });
  },
};

/** The overload verdict and what it shed, read from OverloadMonitor at scrape time. */
const overloadMetrics = {
  provide: 'OVERLOAD_METRICS',
  inject: [OverloadMonitor],
  useFactory: (monitor: OverloadMonitor) => {
    register.removeSingleMetric('httpserver_overloaded');
    register.removeSingleMetric('httpserver_overload_connection_closes_total');
    new Gauge({
      name: 'httpserver_overloaded',
      help: "1 while the event loop's delay is above OVERLOAD_LAG_MS: every response then closes its connection.",
      registers: [register],
      collect() {
        this.set(monitor.overloaded ? 1 : 0);
      },
    });
    new Counter({
      name: 'httpserver_overload_connection_closes_total',
      help: 'Responses that closed their keep-alive connection because the event loop was overloaded.',
      registers: [register],
      collect() {
        this.reset();
        this.inc(monitor.shedResponses);
      },
    });
    return true;
  },
};

/** Sets httpserver_build_info{version} 1 once the configuration is known. */
const buildInfoSetter = {
  provide: 'BUILD_INFO_SETTER',
  inject: [APP_CONFIG, getToken('httpserver_build_info')],
  useFactory: (config: AppConfig, buildInfo: Gauge<'version'>) => {
    buildInfo.labels(config.version).set(1);
    return true;
  },
};

@Module({
  imports: [
    PrometheusModule.register({
      path: METRICS_PATH,
      defaultMetrics: { enabled: true },
    }),
  ],
  providers: [
    latencyHistogram,
    makeGaugeProvider({
      name: 'httpserver_build_info',
      help: 'Always 1; the version label is the VERSION this process serves.',
      labelNames: ['version'],
    }),
    inFlightGauge,
    overloadMetrics,
    buildInfoSetter,
    RequestMetrics,
  ],
  exports: [RequestMetrics],
})
export class MetricsModule {}
