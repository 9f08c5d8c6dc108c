import { ExpressAdapter } from '@nestjs/platform-express';
import { json, urlencoded } from 'express';
import type { RequestListener, Server } from 'node:http';
import type { Logger } from 'pino';
import type { AppConfig } from '../../common/config/app-config';
import type { TraceRequests } from '../../common/tracing/trace-requests';
import { parseDeclaredBody } from './parse-declared-body';
import { createHttpServer } from './request-path';

/**
 * Connections the kernel holds until the service accepts them. With Node's default, 511, a burst
 * of 1500 connections had 512 connected and the rest waiting for their SYN retry a second or more
 * later (test/abusive-clients.e2e-spec.ts). Linux caps it at net.core.somaxconn, 4096 by default.
 */
export const LISTEN_BACKLOG = 4096;

/**
 * Nest's Express adapter with the service's own HTTP server (request-path.ts): Nest's adapter
 * calls createServer() without options, and some settings, like the timeout check interval, can
 * only be given there; it listens with the service's backlog; and it puts Nest's body parsers
 * behind one middleware.
 */
export class HttpServerAdapter extends ExpressAdapter {
  constructor(
    private readonly limits: AppConfig['server'],
    private readonly connectionLogger: Logger,
    private readonly traceRequests?: TraceRequests,
  ) {
    super();
  }

  override initHttpServer(): void {
    this.httpServer = createHttpServer(
      this.getInstance<RequestListener>(),
      this.limits,
      this.connectionLogger,
      this.traceRequests,
    );
  }

  /**
   * Nest's JSON and urlencoded parsers, with Nest's options, run only for a request that mentions
   * a body (parse-declared-body.ts). With rawBody, Nest's own.
   */
  override registerParserMiddleware(prefix?: string, rawBody?: boolean): void {
    if (rawBody === true) {
      super.registerParserMiddleware(prefix, rawBody);
      return;
    }
    this.use(parseDeclaredBody([json(), urlencoded({ extended: true })]));
  }

  /** Nest calls this as listen(port, [host,] callback). */
  override listen(port: string | number, ...rest: unknown[]): Server {
    const callback = rest.pop() as () => void;
    const host = typeof rest[0] === 'string' ? rest[0] : undefined;
    return this.getHttpServer().listen({ port: Number(port), host, backlog: LISTEN_BACKLOG }, callback);
  }
}
