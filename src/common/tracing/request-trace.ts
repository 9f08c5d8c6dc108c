import type { IncomingMessage } from 'node:http';

/**
 * What tracing keeps on a request: the ids its access line carries, its route, and a way to enter
 * its trace context (its server span, or the parent it came with).
 *
 * Kept on the request, not made the active context for the request's whole life: an
 * AsyncLocalStorage frame per request, carried through every promise of Nest's pipeline, cost more
 * than the rest of an unsampled request's tracing (docs/performance.md). The context is entered
 * only where something reads it, the backend calls, whose fetch() spans and propagated headers
 * take it from there. This file imports nothing of OpenTelemetry, so that a service without
 * tracing does not load it.
 */
export interface RequestTrace {
  /** The server span's ids, or the parent's for a request that records nothing of its own. */
  readonly traceId: string;
  readonly spanId: string;
  /** Written by the request path once it knows the route; names the server span when it ends. */
  route: string | undefined;
  /** Runs `work` with the request's trace context active. */
  run<T>(work: () => T): T;
}

const REQUEST_TRACE = Symbol('httpserver.requestTrace');
type Traced = IncomingMessage & { [REQUEST_TRACE]?: RequestTrace };

export function setRequestTrace(req: IncomingMessage, requestTrace: RequestTrace): void {
  (req as Traced)[REQUEST_TRACE] = requestTrace;
}

/** The request's trace; undefined without tracing, and for probes and scrapes. */
export function requestTrace(req: IncomingMessage): RequestTrace | undefined {
  return (req as Traced)[REQUEST_TRACE];
}

/** Runs `work` with the request's trace context active, when it has one. */
export function withRequestTrace<T>(req: IncomingMessage, work: () => T): T {
  const traced = requestTrace(req);
  return traced === undefined ? work() : traced.run(work);
}
