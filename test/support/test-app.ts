import type { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { AppModule } from '../../src/app/app.module';
import type { AppConfig } from '../../src/common/config/app-config';
import { loadConfig } from '../../src/common/config/load-config';
import { LifecycleState } from '../../src/common/lifecycle/lifecycle-state';
import { createLogger } from '../../src/common/logging/create-logger';
import { configureApp } from '../../src/app/create-app';
import { HttpServerAdapter } from '../../src/app/request-path/http-server.adapter';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  lifecycle: LifecycleState;
}

/**
 * The real application, initialised in-process without listening (supertest binds an ephemeral
 * port). The delay is off unless the environment given turns it on.
 */
export async function createTestApp(
  env: NodeJS.ProcessEnv = {},
  extra: { controllers?: Type[]; logger?: Logger } = {},
): Promise<TestApp> {
  // prom-client's registry is process-global and keeps its metrics across apps: start each from zero.
  register.resetMetrics();
  const config = loadConfig({ DELAY_MAX_MS: '0', VERSION: 'test-1.0', ...env });
  const logger = extra.logger ?? createLogger('silent');
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config, logger)],
    controllers: extra.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>(
    new HttpServerAdapter(config.server, logger),
    {
      bufferLogs: extra.logger !== undefined,
      logger: extra.logger === undefined ? false : undefined,
    },
  );
  configureApp(app, config);
  await app.init();
  return { app, config, lifecycle: app.get(LifecycleState) };
}
