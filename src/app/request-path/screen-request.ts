import { BadRequestException, HttpException, HttpStatus, PayloadTooLargeException } from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { UNMATCHED_ROUTE } from '../../common/http/routes';
import { BODY_LIMIT_BYTES } from './body-limit';
import { hostProblem } from './host-header';
import type { RequestBookkeeping } from './request-bookkeeping';

/** Node passes a request here only when its Expect field is not 100-continue (RFC 9110 10.1.1). */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/** True when the request announces a body (RFC 9112 6.3: Transfer-Encoding, or a non-zero Content-Length). */
export function announcesBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** True when the request's Content-Length is over the body limit. */
export function declaresOversizedBody(req: { headers: Request['headers'] }): boolean {
  return Number(req.headers['content-length']) > BODY_LIMIT_BYTES;
}

/**
 * The first middleware, ahead of the body parsers: refuses what can be refused from the request
 * head alone, in the service's error shape and through the exception filter (so it is logged and
 * counted), and closes the connection after each refusal.
 * - An HTTP version other than 1.x in the request line: 505.
 * - A missing, repeated or invalid Host field: 400 (RFC 9112 section 3.2).
 * - An Expect field other than 100-continue: 417.
 * - A Content-Length over the body limit: 413 before a byte of the body is read.
 * A request that announces a body has its bookkeeping started here rather than in the interceptor,
 * so that a body that stalls or is abandoned is counted in flight and timed from its arrival.
 */
export function createRequestScreen(bookkeeping: RequestBookkeeping): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const refusal = refusalOf(req);
    if (refusal !== undefined) {
      res.setHeader('Connection', 'close');
      next(refusal);
      return;
    }
    if (announcesBody(req)) bookkeeping.open(req, res, UNMATCHED_ROUTE);
    next();
  };
}

function refusalOf(req: Request): HttpException | undefined {
  // Node's parser takes "HTTP/2.0" or "HTTP/0.9" in a request line; this server speaks HTTP/1.x.
  if (req.httpVersionMajor !== 1) {
    return new HttpException(
      `HTTP/${req.httpVersion} is not supported; use HTTP/1.1`,
      HttpStatus.HTTP_VERSION_NOT_SUPPORTED,
    );
  }
  const host = hostProblem(req);
  if (host !== undefined) return new BadRequestException(host);
  const expect = req.headers.expect;
  if (expect !== undefined && !CONTINUE.test(expect)) {
    return new HttpException('only the expectation 100-continue is supported', HttpStatus.EXPECTATION_FAILED);
  }
  if (declaresOversizedBody(req)) {
    return new PayloadTooLargeException(`request bodies are limited to ${BODY_LIMIT_BYTES} bytes`);
  }
  return undefined;
}
