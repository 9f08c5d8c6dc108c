import { propagation } from '@opentelemetry/api';

/**
 * True when tracing is on: a global propagator is installed and writes the trace headers of
 * outgoing calls itself. Kept apart from start-tracing.ts so that checking it does not load the SDK.
 */
export function tracingInjectsHeaders(): boolean {
  return propagation.fields().includes('traceparent');
}
