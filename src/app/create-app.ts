import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import type { AppConfig, TrustProxy } from '../common/config/app-config';
import { HttpExchangeService } from './request-path/request-bookkeeping';
import { createRequestScreen } from './request-path/screen-request';
import { OpenConnections } from '../common/lifecycle/open-connections';
import { createClientErrorHandler } from './request-path/answer-client-error';
import { LimitedExpressAdapter } from './request-path/http-server.adapter';
import { createConnectRefusal } from './request-path/refuse-connect';

/** Builds the application (not yet listening). */
export async function createApp(config: AppConfig, logger: Logger): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, logger),
    new LimitedExpressAdapter(config.server, logger),
    // Nest's start-up messages wait for the pino logger instead of printing as plain text.
    { bufferLogs: true },
  );
  configureApp(app, config);
  return app;
}

/** Settings applied to every instance, including the ones the end-to-end tests build. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(NestPinoLogger));
  app.set('trust proxy', expressTrustProxy(config.trustProxy));
  app.disable('x-powered-by');
  // Every body is dynamic; hashing it for an ETag would be wasted work on each request.
  app.set('etag', false);

  const exchange = app.get(HttpExchangeService);
  const server: Server = app.getHttpServer();
  server.on('connection', app.get(OpenConnections).track);
  server.on('clientError', createClientErrorHandler(exchange));
  server.on('connect', createConnectRefusal(exchange));
  // Registered before init, so it runs ahead of the body parsers Nest adds then.
  app.use(createRequestScreen(exchange));
}

/** Express wants a mutable array, a boolean or a hop count. */
function expressTrustProxy(trustProxy: TrustProxy): boolean | number | string[] {
  return typeof trustProxy === 'boolean' || typeof trustProxy === 'number' ? trustProxy : [...trustProxy];
}
