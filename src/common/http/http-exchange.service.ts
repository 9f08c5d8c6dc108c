import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { CLIENT_CLOSED_REQUEST } from '../../metrics/metric-names';
import { RequestMetrics } from '../../metrics/request-metrics';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { LifecycleState } from '../lifecycle/lifecycle-state';
import { AccessLog, currentTraceIds, type Exchange } from '../logging/access-log';
import { PINO_LOGGER } from '../logging/logging.module';
import { createHeaderEcho, type HeaderEcho } from './echo-headers';
import { requestIdOf } from './request-id';

const EXCHANGE = Symbol('httpserver.exchange');
type TrackedResponse = Response & { [EXCHANGE]?: Exchange };
type IdentifiedRequest = Request & { id?: string };

/**
 * What happens to every response, routed or not: request id, header echo, Version, Connection:
 * close while shutting down, the in-flight set, the latency histogram and the access-log line.
 * Called once per request by the global interceptor, or by the exception filter for requests that
 * never reached a handler.
 */
@Injectable()
export class HttpExchangeService {
  private readonly echo: HeaderEcho;
  private readonly version: string;
  private readonly tracing: boolean;
  private readonly accessLog: AccessLog;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(PINO_LOGGER) logger: Logger,
    private readonly lifecycle: LifecycleState,
    private readonly metrics: RequestMetrics,
  ) {
    this.echo = createHeaderEcho(config.echoExclude);
    this.version = config.version;
    this.tracing = config.tracing.enabled;
    this.accessLog = new AccessLog(logger, config.trustProxy !== false);
  }

  /** Starts the exchange for this request; a second call for the same response does nothing. */
  begin(req: Request, res: Response, route: string): void {
    const tracked = res as TrackedResponse;
    if (tracked[EXCHANGE] !== undefined) return;
    const exchange: Exchange = {
      route,
      requestId: requestIdOf(req),
      delayMs: 0,
      trace: this.tracing ? currentTraceIds() : undefined,
    };
    tracked[EXCHANGE] = exchange;
    (req as IdentifiedRequest).id = exchange.requestId;

    if (this.echo(req, res)) sendBodyAsBuffer(res);
    res.setHeader('X-Request-Id', exchange.requestId);
    res.setHeader('Version', this.version);
    if (this.lifecycle.shuttingDown) res.setHeader('Connection', 'close');

    const startedAt = performance.now();
    this.lifecycle.requestStarted(res);
    // 'close' fires exactly once, after 'finish' or when the client hangs up first.
    res.once('close', () => {
      const elapsedMs = performance.now() - startedAt;
      this.lifecycle.requestEnded(res);
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      this.metrics.observe(req.method, route, status, elapsedMs / 1000);
      this.accessLog.write(req, exchange, status, elapsedMs);
    });
  }

  /** Records the random delay picked for this request, for the access log. */
  delayed(res: Response, delayMs: number): void {
    const exchange = (res as TrackedResponse)[EXCHANGE];
    if (exchange !== undefined) exchange.delayMs = delayMs;
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
