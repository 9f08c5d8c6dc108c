import { propagation, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { AppConfig } from '../config/app-config';
import { createExporter } from './create-exporter';
import { createPropagator } from './create-propagator';
import { createSampler } from './create-sampler';
import { traceRequests, type TraceRequests } from './trace-requests';

export interface Tracing {
  /** Exports the spans still buffered; called by the graceful shutdown. */
  shutdown(): Promise<void>;
  /** Wraps the HTTP server's request listener: a server span per request (trace-requests.ts). */
  traceRequests: TraceRequests;
}

/**
 * Starts OpenTelemetry. Propagates W3C trace context and baggage and B3 (single and multi header)
 * so the service joins the traces Envoy sidecars start; the calls to backends carry the context on,
 * each in a client span (client-span.ts). Spans go out over OTLP in the configured protocol
 * (http/protobuf by default, http/json or grpc).
 *
 * A request gets one server span (trace-requests.ts), named after its route, and nothing else:
 * Express's instrumentation, a span per router layer and handler, cost more than the rest of a
 * traced request and told nothing the server span does not.
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
  propagation.setGlobalPropagator(createPropagator());
  trace.setGlobalTracerProvider(provider);
  return {
    shutdown: () => provider.shutdown(),
    traceRequests: traceRequests(
      provider.getTracer('httpserver', config.version),
      tracing.sampler.startsWith('parentbased_'),
    ),
  };
}
