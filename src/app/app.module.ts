import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppConfig } from '../common/config/app-config';
import { ConfigModule } from '../common/config/config.module';
import { LifecycleModule } from '../common/lifecycle/lifecycle.module';
import { LoggingModule } from '../common/logging/logging.module';
import { HealthModule } from '../health/health.module';
import { MetricsModule } from '../metrics/metrics.module';
import { AppController } from './app.controller';
import { BackendClient } from './backend-client';
import { DelayController } from './endpoints/delay.controller';
import { InspectController } from './endpoints/inspect.controller';
import { OpenApiController, OpenApiDocument } from './endpoints/openapi.controller';
import { StatusController } from './endpoints/status.controller';
import { RequestPathModule } from './request-path/request-path.module';
import { ControlModule } from './steering/control/control.module';
import { SteeringModule } from './steering/steering.module';

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
        SteeringModule,
        RequestPathModule,
        ...(config.control.enabled ? [ControlModule] : []),
      ],
      controllers: [AppController, StatusController, DelayController, InspectController, OpenApiController],
      providers: [BackendClient, OpenApiDocument],
    };
  }
}
