import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { PROBE_AND_SCRAPE_ROUTES, UNMATCHED_ROUTE } from '../../common/http/routes';
import { APP_CONFIG, type AppConfig } from '../../common/config/app-config';
import { HttpExchangeService } from './request-bookkeeping';
import { afterDelay, createDelayPicker } from './random-delay';

/**
 * The one global interceptor: echoes the request headers, sets Version, times the request and
 * delays the handler by a random time.
 */
@Injectable()
export class HttpExchangeInterceptor implements NestInterceptor {
  private readonly pickDelay: () => number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly exchange: HttpExchangeService,
  ) {
    this.pickDelay = createDelayPicker(config.delay.minMs, config.delay.maxMs);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const route = (req.route as { path?: string } | undefined)?.path ?? UNMATCHED_ROUTE;
    this.exchange.begin(req, res, route);

    // Probes must never time out, and scrapes must not skew the latency.
    const delayMs = PROBE_AND_SCRAPE_ROUTES.has(route) ? 0 : this.pickDelay();
    if (delayMs === 0) return next.handle();
    this.exchange.recordDelay(res, delayMs);
    return afterDelay(res, delayMs, next.handle());
  }
}
