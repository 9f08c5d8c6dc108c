import type { Request } from 'express';
import type { Logger } from 'pino';
import { PROBE_AND_SCRAPE_ROUTES } from '../../common/http/routes';
import { pathOf } from '../../common/http/path-of';
import { DeferredLines } from '../../common/logging/deferred-lines';
import { requestTrace } from '../../common/tracing/request-trace';

/** Status label of a request whose client hung up before the response was sent (nginx's convention). */
export const CLIENT_CLOSED_REQUEST = 499;

export interface TraceIds {
  trace_id: string;
  span_id: string;
}

/** What the access log needs to know about one request, gathered while it runs. */
export interface RequestRecord {
  route: string;
  requestId: string;
  /** Read when the request begins: once the client has hung up the socket no longer knows it. */
  clientIp: string | undefined;
  delayMs: number;
  /** Why an error status was answered, as told to the client. */
  reason: string | undefined;
  /** What a control request changed (POST /readyz/disable, PUT /faults, ...). */
  change: string | undefined;
  trace: TraceIds | undefined;
}

/** A request the HTTP parser refused: it never became a request object, so only this is known. */
export interface Rejection {
  requestId: string;
  clientIp: string | undefined;
  method: string | null;
  path: string | null;
  status: number;
  /** Why it was refused, in words; never the bytes the client sent. */
  reason: string;
}

/**
 * The ids of the request's server span, for the access line; records its route, which names the
 * span when it ends ("GET /status/:codes", attribute http.route; trace-requests.ts). Undefined
 * without tracing.
 */
export function traceRequest(req: Request, route: string | undefined): TraceIds | undefined {
  const traced = requestTrace(req);
  if (traced === undefined) return undefined;
  if (route !== undefined) traced.route = route;
  return { trace_id: traced.traceId, span_id: traced.spanId };
}

/**
 * One JSON line per finished, abandoned or refused request, written with the process's pino logger
 * (the one nestjs-pino wraps for Nest's own messages). One object and one call per request, no
 * child loggers, and the lines of one event-loop turn serialized together (DeferredLines). Headers
 * are never logged, so Authorization and Cookie cannot leak.
 */
export class AccessLog {
  private readonly debugEnabled: boolean;
  private readonly lines: DeferredLines;

  constructor(logger: Logger) {
    this.debugEnabled = logger.isLevelEnabled('debug');
    this.lines = new DeferredLines(logger);
  }

  /** `status` is the status sent, or CLIENT_CLOSED_REQUEST when the client hung up first. */
  write(req: Request, record: RequestRecord, status: number, responseTimeMs: number): void {
    // Logged at debug so kubelet and Prometheus do not flood an info-level log.
    const quiet = PROBE_AND_SCRAPE_ROUTES.has(record.route);
    if (quiet && !this.debugEnabled) return;
    const line = {
      reqId: record.requestId,
      clientIp: record.clientIp,
      method: req.method,
      path: pathOf(req.originalUrl),
      status,
      reason: record.reason,
      change: record.change,
      responseTimeMs: Math.round(responseTimeMs),
      delayMs: record.delayMs,
      userAgent: req.headers['user-agent'],
      ...record.trace,
    };
    const message = status === CLIENT_CLOSED_REQUEST ? 'request aborted' : 'request completed';
    if (quiet) this.lines.write('debug', line, message);
    else if (status >= 500) this.lines.write('error', line, message);
    else if (record.change !== undefined) this.lines.write('warn', line, message);
    else this.lines.write('info', line, message);
  }

  writeRejected(rejection: Rejection, responseTimeMs: number): void {
    const { requestId, ...rest } = rejection;
    const line = { reqId: requestId, ...rest, responseTimeMs: Math.round(responseTimeMs), delayMs: 0 };
    this.lines.write('info', line, 'request rejected');
  }
}
