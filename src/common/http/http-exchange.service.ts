import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { CLIENT_CLOSED_REQUEST } from '../../metrics/metric-names';
import { RequestMetrics } from '../../metrics/request-metrics';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { LifecycleState } from '../lifecycle/lifecycle-state';
import { createHeaderEcho, HeaderEcho } from './echo-headers';

const STARTED = Symbol('httpserver.exchangeStarted');
type TrackedResponse = Response & { [STARTED]?: true };

/**
 * What happens to every response, routed or not: header echo, Version, Connection: close while
 * shutting down, the in-flight count and the latency histogram. Called once per request by the
 * global interceptor, or by the exception filter for requests that never reached a handler.
 */
@Injectable()
export class HttpExchangeService {
  private readonly echo: HeaderEcho;
  private readonly version: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly lifecycle: LifecycleState,
    private readonly metrics: RequestMetrics,
  ) {
    this.echo = createHeaderEcho(config.echoExclude);
    this.version = config.version;
  }

  /** Starts the exchange for this request; a second call for the same response does nothing. */
  begin(req: Request, res: Response, route: string): void {
    const tracked = res as TrackedResponse;
    if (tracked[STARTED]) return;
    tracked[STARTED] = true;

    this.echo(req, res);
    res.setHeader('Version', this.version);
    this.closeConnectionIfStopping(res);

    const startedAt = performance.now();
    this.lifecycle.requestStarted();
    // 'close' fires exactly once, after 'finish' or when the client hangs up first.
    res.once('close', () => {
      this.lifecycle.requestEnded();
      const status = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      this.metrics.observe(req.method, route, status, (performance.now() - startedAt) / 1000);
    });
  }

  /**
   * Once shutdown has begun every response asks the client to close its connection, so keep-alive
   * clients reconnect elsewhere instead of being reset. Called again just before the response is
   * written, for requests that were still waiting out their delay when shutdown began.
   */
  closeConnectionIfStopping(res: Response): void {
    if (this.lifecycle.shuttingDown && !res.headersSent) res.setHeader('Connection', 'close');
  }
}
