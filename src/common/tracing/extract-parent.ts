import {
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  TraceFlags,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * The parent a request's headers name, and the trace context `propagation.extract(ROOT_CONTEXT,
 * headers)` gives for them. `unsampled`: a valid parent that was not sampled, which a parent-based
 * sampler does not sample either.
 */
export class Parent {
  constructor(
    readonly spanContext: SpanContext | undefined,
    readonly unsampled: boolean,
    private extracted?: Context,
  ) {}

  /**
   * Made on first read for a parent the shortcut read: a request that records nothing needs it only
   * for backend calls, and making it copies a Map (docs/performance.md).
   */
  get context(): Context {
    this.extracted ??=
      this.spanContext === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, this.spanContext);
    return this.extracted;
  }
}

/** What extractParent reads of a request: its header lines as received, and the parsed headers. */
export type ParentHeaders = Pick<IncomingMessage, 'rawHeaders' | 'headers'>;

export type ExtractParent = (req: ParentHeaders) => Parent;

const NO_PARENT = new Parent(undefined, false, ROOT_CONTEXT);

/** A version-00 traceparent exactly as W3C Trace Context writes it: lowercase hex, nothing around it. */
const CANONICAL_TRACEPARENT = /^00-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * `propagation.extract()` with the global propagator, and two shortcuts for the commonest cases:
 * no propagation header at all, or a lone canonical traceparent, as OpenTelemetry SDKs and Envoy's
 * OpenTelemetry tracer send it. Anything else (tracestate, baggage, B3, whitespace, another
 * version, a repeated header) goes to the propagator itself, so the context is the same either way.
 *
 * Why: the composite propagator runs four propagators and a regular expression with lookaheads for
 * every request, 7-11 µs at the median in the service under load: with a parent that was not
 * sampled, the largest single part of what tracing cost (docs/performance.md).
 *
 * The shortcuts scan the request's header lines as received rather than look each field up in
 * the parsed headers, nine lookups of which eight find nothing, which side by side cost more
 * (docs/performance.md, "Tracing").
 */
export function extractParent(): ExtractParent {
  // Read once: the propagator is set before the first request and never changes.
  const fields = new Set(propagation.fields());
  // Most of a request's header names differ in length from every field: no lowercase copy of them.
  const lengths = new Set([...fields].map((field) => field.length));
  return (req) => {
    const raw = req.rawHeaders;
    let traceparent: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      if (!lengths.has(name.length)) continue;
      const field = name.toLowerCase();
      if (!fields.has(field)) continue;
      // Another field the propagator reads, or a second traceparent: the propagator decides.
      if (field !== 'traceparent' || traceparent !== undefined) return fromPropagator(req.headers);
      traceparent = raw[i + 1];
    }
    if (traceparent === undefined) return NO_PARENT;
    if (!CANONICAL_TRACEPARENT.test(traceparent)) return fromPropagator(req.headers);
    const traceId = traceparent.slice(3, 35);
    const spanId = traceparent.slice(36, 52);
    // All-zero ids are invalid: the request starts a trace of its own, as the propagator decides.
    if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return NO_PARENT;
    const traceFlags = parseInt(traceparent.slice(53), 16);
    // The ids were checked above: whether it was sampled is only its flag.
    return new Parent(
      { traceId, spanId, traceFlags, isRemote: true },
      (traceFlags & TraceFlags.SAMPLED) === 0,
    );
  };
}

function fromPropagator(headers: IncomingHttpHeaders): Parent {
  const context = propagation.extract(ROOT_CONTEXT, headers);
  const span = trace.getSpanContext(context);
  const unsampled =
    span !== undefined && isSpanContextValid(span) && (span.traceFlags & TraceFlags.SAMPLED) === 0;
  return new Parent(span, unsampled, context);
}
