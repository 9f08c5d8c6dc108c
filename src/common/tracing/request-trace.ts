import type { IncomingMessage } from 'node:http';

/**
 * What tracing keeps on a request: the ids its access line carries, its route, and its trace
 * context (its server span, or the parent it came with), which its backend calls carry on.
 *
 * Kept on the request, not made the active context for the request's whole life: an
 * AsyncLocalStorage frame per request, carried through every promise of Nest's pipeline, cost more
 * than the rest of an unsampled request's tracing (docs/performance.md). This file imports nothing
 * of OpenTelemetry: without tracing, the request path loads none of the SDK's packages.
 */
export interface RequestTrace {
  /** The server span's ids, or the parent's for a request that records nothing of its own. */
  readonly traceId: string;
  readonly spanId: string;
  /** Written by the request path once it knows the route; names the server span when it ends. */
  route: string | undefined;
  /**
   * False for a request that records nothing: it writes no trace headers of its own, and its
   * backend calls carry those it came with, as they came (BackendClient).
   */
  readonly writesTraceHeaders: boolean;
  /**
   * Starts a call to a backend: writes the trace context of a client span into `headers` when
   * writesTraceHeaders, and returns what ends the call.
   */
  startBackendCall(url: URL, headers: Record<string, string>): EndBackendCall;
}

/** How a backend call ended: the status it answered, or the kind of error when it did not answer. */
export type EndBackendCall = (ending: { status: number } | { errorType: string }) => void;

const REQUEST_TRACE = Symbol('httpserver.requestTrace');
type Traced = IncomingMessage & { [REQUEST_TRACE]?: RequestTrace };

export function setRequestTrace(req: IncomingMessage, requestTrace: RequestTrace): void {
  (req as Traced)[REQUEST_TRACE] = requestTrace;
}

/** The request's trace; undefined without tracing, and for probes and scrapes. */
export function requestTrace(req: IncomingMessage): RequestTrace | undefined {
  return (req as Traced)[REQUEST_TRACE];
}
