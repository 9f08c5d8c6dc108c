import {
  CallHandler,
  ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  NestInterceptor,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { defer, type Observable } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../../common/config/app-config';
import { DELAY_ROUTE, OPERATIONAL_ROUTES, UNMATCHED_ROUTE } from '../../common/http/routes';
import { FaultInjector } from '../steering/fault-injector';
import { afterDelay, createDelayPicker } from './random-delay';
import { RequestBookkeeping } from './request-bookkeeping';

/**
 * The one global interceptor (request-path.ts, step 8): opens the request's bookkeeping, which
 * echoes the headers, sets Version and X-Request-Id and starts the timer, then runs the handler
 * after the random delay. An injected fault adds its wait and may fail the request instead.
 * Probes, scrapes and the control endpoints are never delayed nor faulted; /delay waits its own time.
 */
@Injectable()
export class RequestInterceptor implements NestInterceptor {
  private readonly pickDelay: () => number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly bookkeeping: RequestBookkeeping,
    private readonly faults: FaultInjector,
  ) {
    this.pickDelay = createDelayPicker(config.delay.minMs, config.delay.maxMs);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const route = (req.route as { path?: string } | undefined)?.path ?? UNMATCHED_ROUTE;
    this.bookkeeping.open(req, res, route);
    if (OPERATIONAL_ROUTES.has(route)) return next.handle();

    const fault = this.faults.pick();
    const delayMs = (route === DELAY_ROUTE ? 0 : this.pickDelay()) + fault.delayMs;
    const failWith = fault.failWith;
    const handle =
      failWith === undefined ? next.handle() : defer(() => Promise.reject(injectedFault(failWith)));
    if (delayMs === 0) return handle;
    this.bookkeeping.recordDelay(res, delayMs);
    return afterDelay(res, delayMs, handle);
  }
}

function injectedFault(status: number): HttpException {
  return new HttpException('fault injected (PUT /faults or FAULT_ERROR_RATE)', status);
}
