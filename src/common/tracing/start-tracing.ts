import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { AppConfig } from '../config/app-config';
import { PROBE_AND_SCRAPE_ROUTES } from '../http/routes';
import { pathOf } from '../http/path-of';
import { createExporter } from './create-exporter';
import { createSampler } from './create-sampler';

export interface Tracing {
  /** Exports the spans still buffered; called by the graceful shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry: must run before Nest, Express or http are loaded by the app, because the
 * instrumentations patch those modules as they are required. Propagates W3C trace context and
 * baggage and B3 (single and multi header) so the service joins the traces Envoy sidecars start;
 * outgoing fetch() calls (undici) carry the context on. Spans go out over OTLP in the configured
 * protocol (http/protobuf by default, http/json or grpc).
 */
export function startTracing(config: AppConfig): Tracing {
  const { tracing } = config;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: tracing.serviceName,
      [ATTR_SERVICE_VERSION]: config.version,
    }),
    sampler: createSampler(tracing.sampler, tracing.samplerArg),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: createExporter(tracing.protocol),
        scheduledDelayMillis: tracing.scheduleDelayMs,
      }),
    ],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [
        new W3CTraceContextPropagator(),
        new W3CBaggagePropagator(),
        new B3Propagator(),
        new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER }),
      ],
    }),
  );
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes say nothing about a request's path: no spans.
        ignoreIncomingRequestHook: (req) => PROBE_AND_SCRAPE_ROUTES.has(pathOf(req.url ?? '')),
      }),
      // Router and handler spans only: a span for each of Nest's middleware layers (query parser,
      // body parsers, ...) tripled the cost of a traced request and says nothing about it.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new UndiciInstrumentation(),
    ],
  });
  return { shutdown: () => provider.shutdown() };
}
