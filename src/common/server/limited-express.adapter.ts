import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';
import { createServer, type RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import { rejectDeclaredOversizedBodies } from '../http/body-limit';
import { answerClientError } from './answer-client-error';
import { boundPipelining } from './bound-pipelining';
import { refuseConnect } from './refuse-connect';

/** How often Node checks headersTimeout/requestTimeout; its 30 s default lets a slowloris client overstay. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * Express adapter whose HTTP server is created with the service's timeouts (Nest's own adapter
 * calls createServer() without options, and the timeout check interval can only be set there),
 * a bound on pipelined requests per connection, 414 for an oversized request line and 405 for CONNECT.
 *
 * It also creates the Express instance itself: Nest loads express through an ESM import, which
 * OpenTelemetry's require hook does not see, so Express would go untraced. Our require('express')
 * is seen and patches the module that Nest shares.
 */
export class LimitedExpressAdapter extends ExpressAdapter {
  constructor(
    private readonly limits: AppConfig['server'],
    private readonly connectionLogger: Logger,
  ) {
    const app = express();
    // First in the stack, ahead of the body parsers Nest adds at init.
    app.use(rejectDeclaredOversizedBodies);
    super(app);
  }

  override initHttpServer(): void {
    const server = createServer(
      {
        headersTimeout: this.limits.headersTimeoutMs,
        requestTimeout: this.limits.requestTimeoutMs,
        keepAliveTimeout: this.limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
      },
      boundPipelining(this.getInstance<RequestListener>(), this.connectionLogger),
    );
    server.on('clientError', answerClientError);
    server.on('connect', refuseConnect);
    this.httpServer = server;
  }
}
