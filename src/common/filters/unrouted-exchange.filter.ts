import { ArgumentsHost, Catch, Injectable } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Request, Response } from 'express';
import { UNMATCHED_ROUTE } from '../../metrics/metric-names';
import { HttpExchangeService } from '../http/http-exchange.service';

/**
 * Every exception passes here before Nest's default reply. Requests that never reached a handler
 * (unknown routes, body-parser errors) did not meet the interceptor, so their exchange starts here;
 * for the others begin() is a no-op.
 */
@Catch()
@Injectable()
export class UnroutedExchangeFilter extends BaseExceptionFilter {
  constructor(private readonly exchange: HttpExchangeService) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.exchange.begin(http.getRequest<Request>(), http.getResponse<Response>(), UNMATCHED_ROUTE);
    super.catch(exception, host);
  }
}
