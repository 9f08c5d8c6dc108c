import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';
import { createServer, type RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { AppConfig } from '../../common/config/app-config';
import { declaresOversizedBody } from './screen-request';
import { boundPipelining } from './bound-pipelining';

/** How often Node checks headersTimeout/requestTimeout; its 30 s default lets a slowloris client overstay. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/**
 * Express adapter whose HTTP server is created with the service's timeouts (Nest's own adapter
 * calls createServer() without options, and the timeout check interval can only be set there),
 * a bound on pipelined requests per connection, and every request, whatever its Host or Expect
 * field, handed to Express, where the request screen answers it in the service's error shape.
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
    super(express());
  }

  override initHttpServer(): void {
    const listener = boundPipelining(this.getInstance<RequestListener>(), this.connectionLogger);
    const server = createServer(
      {
        headersTimeout: this.limits.headersTimeoutMs,
        requestTimeout: this.limits.requestTimeoutMs,
        keepAliveTimeout: this.limits.keepAliveTimeoutMs,
        connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
        // Node would answer a missing Host with an empty 400 that nobody logs; the screen does it.
        requireHostHeader: false,
      },
      listener,
    );
    // Expect: 100-continue: no "100 Continue" for a body the screen will refuse for its size.
    server.on('checkContinue', (req, res) => {
      if (!declaresOversizedBody(req)) res.writeContinue();
      listener(req, res);
    });
    // Any other expectation: the screen answers 417 (Node's own 417 has no body and no log line).
    server.on('checkExpectation', listener);
    this.httpServer = server;
  }
}
