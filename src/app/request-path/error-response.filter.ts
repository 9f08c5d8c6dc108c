import { type ArgumentsHost, Catch, type ExceptionFilter, Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { UNMATCHED_ROUTE } from '../../common/http/routes';
import { errorBody } from './error-body';
import { RequestBookkeeping } from './request-bookkeeping';
import { PINO_LOGGER } from '../../common/logging/logging.module';
import { describeError } from './describe-error';

/**
 * Every exception, from a handler, the router (404), the request screen or a body parser, is
 * answered here in the one error shape. Requests that never reached a handler did not meet the
 * interceptor, so their bookkeeping starts here; for the others open() changes nothing.
 */
@Catch()
@Injectable()
export class ErrorResponseFilter implements ExceptionFilter {
  constructor(
    private readonly bookkeeping: RequestBookkeeping,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    // A routed request that failed before the interceptor (a guard) keeps its route.
    this.bookkeeping.open(req, res, (req.route as { path?: string } | undefined)?.path ?? UNMATCHED_ROUTE);
    const answer = describeError(exception, req.headers['content-type']);
    this.bookkeeping.recordErrorReason(res, answer.message);
    if (answer.unexpected) {
      this.logger.error(
        { err: exception, reqId: (req as Request & { id?: string }).id },
        'unhandled exception',
      );
    }
    if (res.headersSent) {
      // Part of a response is out: cutting the connection is the only honest way to say it failed.
      if (!res.writableEnded) res.destroy();
      return;
    }
    res.status(answer.status).json({ ...errorBody(answer.status, answer.message), ...answer.extra });
  }
}
