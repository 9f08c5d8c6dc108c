import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../common/config/app-config';
import { ConfigModule } from '../common/config/config.module';
import { ErrorResponseFilter } from './request-path/error-response.filter';
import { RequestBookkeeping } from './request-path/request-bookkeeping';
import { RequestInterceptor } from './request-path/request.interceptor';
import { LifecycleModule } from '../common/lifecycle/lifecycle.module';
import { LoggingModule } from '../common/logging/logging.module';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
import { AppController } from './app.controller';
import { BackendClient } from './backend-client';

/** The root module, built from configuration that was validated before Nest started. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logger),
        LifecycleModule,
        HealthModule,
        MetricsModule,
      ],
      controllers: [AppController],
      providers: [
        BackendClient,
        // The request path's pieces; request-path.ts registers the interceptor and the filter.
        RequestBookkeeping,
        RequestInterceptor,
        ErrorResponseFilter,
      ],
    };
  }
}
