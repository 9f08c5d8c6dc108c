import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { AppModule } from './app.module';
import type { AppConfig, TrustProxy } from '../common/config/app-config';
import type { Tracing } from '../common/tracing/start-tracing';
import { HttpServerAdapter } from './request-path/http-server.adapter';
import { installRequestPath } from './request-path/request-path';

/** Builds the application (not yet listening). */
export async function createApp(
  config: AppConfig,
  logger: Logger,
  tracing?: Tracing,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, logger),
    new HttpServerAdapter(config.server, logger, tracing?.traceRequests),
    // Nest's start-up messages wait for the pino logger instead of printing as plain text.
    { bufferLogs: true },
  );
  configureApp(app, config);
  return app;
}

/** Settings and the request path, for every instance, including the ones the end-to-end tests build. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(NestPinoLogger));
  app.set('trust proxy', expressTrustProxy(config.trustProxy));
  app.disable('x-powered-by');
  // Every body is dynamic; hashing it for an ETag would be wasted work on each request.
  app.set('etag', false);

  installRequestPath(app);
}

/** Express wants a mutable array, a boolean or a hop count. */
function expressTrustProxy(trustProxy: TrustProxy): boolean | number | string[] {
  return typeof trustProxy === 'boolean' || typeof trustProxy === 'number' ? trustProxy : [...trustProxy];
}
