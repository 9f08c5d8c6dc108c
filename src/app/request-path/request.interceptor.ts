import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';
import { PROBE_AND_SCRAPE_ROUTES, UNMATCHED_ROUTE } from '../../common/http/routes';
import { APP_CONFIG, type AppConfig } from '../../common/config/app-config';
import { RequestBookkeeping } from './request-bookkeeping';
import { afterDelay, createDelayPicker } from './random-delay';

/**
 * The one global interceptor (request-path.ts, step 7): opens the request's bookkeeping, which
 * echoes the headers, sets Version and X-Request-Id and starts the timer, then runs the handler
 * after the random delay. Probes and scrapes are never delayed.
 */
@Injectable()
export class RequestInterceptor implements NestInterceptor {
  private readonly pickDelay: () => number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly bookkeeping: RequestBookkeeping,
  ) {
    this.pickDelay = createDelayPicker(config.delay.minMs, config.delay.maxMs);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const route = (req.route as { path?: string } | undefined)?.path ?? UNMATCHED_ROUTE;
    this.bookkeeping.open(req, res, route);

    // A probe must never time out, and a scrape must not skew the latency.
    const delayMs = PROBE_AND_SCRAPE_ROUTES.has(route) ? 0 : this.pickDelay();
    if (delayMs === 0) return next.handle();
    this.bookkeeping.recordDelay(res, delayMs);
    return afterDelay(res, delayMs, next.handle());
  }
}
