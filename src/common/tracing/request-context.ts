import { context, type Context } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';

const TRACE_CONTEXT = Symbol('httpserver.traceContext');
type WithTraceContext = IncomingMessage & { [TRACE_CONTEXT]?: Context };

/**
 * The trace context a request runs in (its server span, or the parent it came with) is kept on the
 * request, not made the active context for the request's whole life: an AsyncLocalStorage frame
 * per request, carried through every promise of Nest's pipeline, cost more than the rest of an
 * unsampled request's tracing (docs/performance.md). It is entered only where something reads the
 * active context: the backend calls (withRequestContext), whose fetch() spans and propagated
 * headers take it from there.
 */
export function setRequestContext(req: IncomingMessage, traceContext: Context): void {
  (req as WithTraceContext)[TRACE_CONTEXT] = traceContext;
}

/** The request's trace context; undefined without tracing, and for probes and scrapes. */
export function requestContext(req: IncomingMessage): Context | undefined {
  return (req as WithTraceContext)[TRACE_CONTEXT];
}

/** Runs `work` with the request's trace context active, when it has one. */
export function withRequestContext<T>(req: IncomingMessage, work: () => T): T {
  const traceContext = requestContext(req);
  return traceContext === undefined ? work() : context.with(traceContext, work);
}
