import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import type { AppConfig } from '../../common/config/app-config';
import { createHttpServer } from './request-path';

/**
 * Nest's Express adapter with the service's own HTTP server (request-path.ts): Nest's adapter
 * calls createServer() without options, and some settings, like the timeout check interval, can
 * only be given there.
 *
 * It creates the Express instance itself too: Nest loads express through an ESM import, which
 * OpenTelemetry's require hook does not see, so Express would go untraced. Our require('express')
 * is seen and patches the module that Nest shares.
 */
export class HttpServerAdapter extends ExpressAdapter {
  constructor(
    private readonly limits: AppConfig['server'],
    private readonly connectionLogger: Logger,
  ) {
    super(express());
  }

  override initHttpServer(): void {
    this.httpServer = createHttpServer(
      this.getInstance<RequestListener>(),
      this.limits,
      this.connectionLogger,
    );
  }
}
