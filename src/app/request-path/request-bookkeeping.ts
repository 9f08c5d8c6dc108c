import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { METRICS_PATH, REJECTED_METHOD, REJECTED_ROUTE, UNMATCHED_ROUTE } from '../../common/http/routes';
import { RequestMetrics } from '../../metrics/request-metrics';
import { APP_CONFIG, type AppConfig } from '../../common/config/app-config';
import { LifecycleState } from '../../common/lifecycle/lifecycle-state';
import { OverloadMonitor } from '../../common/lifecycle/overload-monitor';
import {
  AccessLog,
  CLIENT_CLOSED_REQUEST,
  traceRequest,
  type RequestRecord,
  type Rejection,
} from './access-log';
import { PINO_LOGGER } from '../../common/logging/logging.module';
import { normalizeAddress, peerAddress } from '../../common/http/client-address';
import { markConnectionReady, msSinceConnectionReady } from '../../common/lifecycle/connection-clock';
import { createHeaderEcho, type HeaderEcho } from './echo-headers';
import { requestIdOf } from './request-id';

const RECORD = Symbol('httpserver.requestRecord');
type TrackedResponse = Response & { [RECORD]?: RequestRecord };
type IdentifiedRequest = Request & { id?: string };

/**
 * What happens to every response, routed or not: request id, header echo, Version, Connection:
 * close while shutting down or overloaded, the in-flight set, the latency histogram and the
 * access-log line. Called once per request by the global interceptor; earlier for requests with a
 * body (the request screen, so a body that stalls is counted and timed) and for requests that never
 * reach a handler (the exception filter, the server's client-error handler).
 */
@Injectable()
export class RequestBookkeeping {
  private readonly echo: HeaderEcho;
  private readonly version: string;
  private readonly tracing: boolean;
  private readonly trustsProxy: boolean;
  private readonly accessLog: AccessLog;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(PINO_LOGGER) logger: Logger,
    private readonly lifecycle: LifecycleState,
    private readonly overload: OverloadMonitor,
    private readonly metrics: RequestMetrics,
  ) {
    this.echo = createHeaderEcho(config.echoExclude);
    this.version = config.version;
    this.tracing = config.tracing.enabled;
    this.trustsProxy = config.trustProxy !== false;
    this.accessLog = new AccessLog(logger);
  }

  /**
   * Opens the bookkeeping of this request. A second call for the same response only names the
   * route, when the first was made before routing (UNMATCHED_ROUTE never overrides a route).
   */
  open(req: Request, res: Response, route: string): void {
    const tracked = res as TrackedResponse;
    const existing = tracked[RECORD];
    if (existing !== undefined) {
      if (route === UNMATCHED_ROUTE) return;
      existing.route = route;
      if (this.tracing) traceRequest(req, route);
      return;
    }
    const record: RequestRecord = {
      route,
      requestId: requestIdOf(req),
      clientIp: this.clientIpOf(req),
      delayMs: 0,
      reason: undefined,
      change: undefined,
      trace: this.tracing ? traceRequest(req, route === UNMATCHED_ROUTE ? undefined : route) : undefined,
    };
    tracked[RECORD] = record;
    (req as IdentifiedRequest).id = record.requestId;

    if (this.echo(req, res)) sendBodyAsBuffer(res);
    res.setHeader('X-Request-Id', record.requestId);
    res.setHeader('Version', this.version);
    if (this.lifecycle.shuttingDown || this.overload.shedsConnection()) {
      res.setHeader('Connection', 'close');
    }

    const startedAt = performance.now();
    // A scrape would always count itself: the gauge would never read 0.
    const counted = route !== METRICS_PATH;
    if (counted) this.lifecycle.requestStarted(res);
    // 'close' fires exactly once, after 'finish' or when the client hangs up first (so `on`, not
    // `once` and its wrapper).
    res.on('close', () => {
      const endedAt = performance.now();
      const elapsedMs = endedAt - startedAt;
      if (counted) this.lifecycle.requestEnded(res);
      markConnectionReady(req.socket, endedAt);
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      this.metrics.observe(req.method, record.route, status, elapsedMs / 1000);
      this.accessLog.write(req, record, status, elapsedMs);
    });
  }

  /** Records the random delay picked for this request, for the access log. */
  recordDelay(res: Response, delayMs: number): void {
    const record = (res as TrackedResponse)[RECORD];
    if (record !== undefined) record.delayMs = delayMs;
  }

  /** Records what a control request changed: its access line says so, at warn. */
  recordChange(res: Response, change: string): void {
    const record = (res as TrackedResponse)[RECORD];
    if (record !== undefined) record.change = change;
  }

  /** Records why an error status is being answered, for the access log. */
  recordErrorReason(res: Response, reason: string): void {
    const record = (res as TrackedResponse)[RECORD];
    if (record !== undefined) record.reason = reason;
  }

  /**
   * Logs and counts a request that was answered without a request object (the HTTP parser refused
   * it, or it was CONNECT), under the one route value REJECTED_ROUTE. Returns its request id.
   */
  recordRejected(
    socket: Socket,
    status: number,
    reason: string,
    request: { method: string | null; path: string | null } = { method: null, path: null },
  ): string {
    const rejection: Rejection = {
      requestId: randomUUID(),
      clientIp: peerAddress(socket),
      ...request,
      status,
      reason,
    };
    const elapsedMs = msSinceConnectionReady(socket);
    this.metrics.observe(request.method ?? REJECTED_METHOD, REJECTED_ROUTE, status, elapsedMs / 1000);
    this.accessLog.writeRejected(rejection, elapsedMs);
    return rejection.requestId;
  }

  /** The Version header every response carries, for the responses written without Express. */
  get versionHeader(): string {
    return this.version;
  }

  /**
   * The socket's peer, or with TRUST_PROXY the X-Forwarded-For entry Express's req.ip picks; an
   * entry that is not an IP address falls back to the peer.
   */
  private clientIpOf(req: Request): string | undefined {
    const peer = peerAddress(req.socket);
    return this.trustsProxy ? (normalizeAddress(req.ip) ?? peer) : peer;
  }
}

/**
 * Node writes the header block in the encoding of a string body (UTF-8), so an echoed byte above
 * 0x7F would come back as two bytes; with a Buffer body it writes the headers as latin1, i.e. the
 * bytes the client sent. Only responses that echo such a value take this path.
 */
function sendBodyAsBuffer(res: Response): void {
  const end = res.end.bind(res) as (chunk?: unknown, encoding?: unknown, callback?: unknown) => Response;
  res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) =>
    typeof chunk === 'string'
      ? end(
          Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
          callback,
        )
      : end(chunk, encoding, callback)) as Response['end'];
}
