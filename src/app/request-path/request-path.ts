import type { NestExpressApplication } from '@nestjs/platform-express';
import { raw } from 'express';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { AppConfig } from '../../common/config/app-config';
import type { TraceRequests } from '../../common/tracing/trace-requests';
import { OpenConnections } from '../../common/lifecycle/open-connections';
import { createClientErrorHandler } from './answer-client-error';
import { BODY_LIMIT_BYTES } from './body-limit';
import { boundPipelining } from './bound-pipelining';
import { ErrorResponseFilter } from './error-response.filter';
import { createConnectRefusal } from './refuse-connect';
import { RequestBookkeeping } from './request-bookkeeping';
import { RequestInterceptor } from './request.interceptor';
import { createRequestScreen, declaresOversizedBody } from './screen-request';

/**
 * Everything a request passes through, in order, from the socket to the access line. Each step
 * names the file that does it. Nest builds an application in two stages, so this file does too:
 * its HTTP server is made while Nest starts (createHttpServer, called by HttpServerAdapter), and
 * the rest is added before the application initialises (installRequestPath).
 */

/** The one route that reads its body as it came (InspectController). */
const ECHO_PATH = '/echo';

/** How often Node checks HEADERS_TIMEOUT_MS and REQUEST_TIMEOUT_MS; at its default, 30 s, a slow client overstays. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

export function createHttpServer(
  app: RequestListener,
  limits: AppConfig['server'],
  logger: Logger,
  traceRequests?: TraceRequests,
): Server {
  // 1. Node's HTTP parser: a request head of at most 16 KiB; HEADERS_TIMEOUT_MS for the head and
  //    REQUEST_TIMEOUT_MS for the whole request; idle keep-alive connections closed after
  //    KEEP_ALIVE_TIMEOUT_MS. The Host field is checked in step 6, in the service's error shape.
  // 2. At most 64 requests in flight per connection (bound-pipelining.ts).
  // 3. With tracing on, a server span around the rest (trace-requests.ts).
  const listener = boundPipelining(traceRequests === undefined ? app : traceRequests(app), logger);
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      requireHostHeader: false,
    },
    listener,
  );
  // 4. Expect: 100-continue gets "100 Continue" unless the declared body is over the limit; any
  //    other expectation goes on to step 6, which answers 417.
  server.on('checkContinue', (req, res) => {
    if (!declaresOversizedBody(req)) res.writeContinue();
    listener(req, res);
  });
  server.on('checkExpectation', listener);
  return server;
}

export function installRequestPath(app: NestExpressApplication): void {
  const bookkeeping = app.get(RequestBookkeeping);
  const server: Server = app.getHttpServer();
  // Every connection is tracked, so that a shutdown can end requests that stall (open-connections.ts).
  server.on('connection', app.get(OpenConnections).track);
  // 5. What the parser refuses, and requests that stall or are abandoned: 400, 408, 413, 414, 431 in
  //    the error shape, or 499, logged and counted (answer-client-error.ts); CONNECT: 405
  //    (refuse-connect.ts).
  server.on('clientError', createClientErrorHandler(bookkeeping));
  server.on('connect', createConnectRefusal(bookkeeping));
  // 6. The request screen, the first middleware: the HTTP version (505), Host (400), Expect (417),
  //    a declared body over 100 KiB (413). A request with a body has its bookkeeping opened here,
  //    so a body that stalls is counted and timed (screen-request.ts).
  app.use(createRequestScreen(bookkeeping));
  // 7. The body: POST /echo reads any body raw; the rest go to Nest's JSON and urlencoded parsers,
  //    which Nest adds when the application initialises, behind one middleware that passes a
  //    request whose head mentions no body straight on (http-server.adapter.ts), and which skip a
  //    body already read. All stop at 100 KiB (413). Then Express's router: an unknown route is a
  //    404 for step 9.
  app.use(ECHO_PATH, raw({ type: () => true, limit: BODY_LIMIT_BYTES }));
  // 8. The one global interceptor: it opens the request's bookkeeping (request id, header echo,
  //    Version, the in-flight count, the timer), then runs the handler after the random delay
  //    (request.interceptor.ts, request-bookkeeping.ts, random-delay.ts).
  app.useGlobalInterceptors(app.get(RequestInterceptor));
  // 9. Every exception, answered in the one error shape (error-response.filter.ts, describe-error.ts).
  app.useGlobalFilters(app.get(ErrorResponseFilter));
  // 10. When the response closes, sent or abandoned (499): the latency histogram and one access line
  //    (request-bookkeeping.ts, access-log.ts).
}
