import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { LifecycleState } from './lifecycle-state';
import { OpenConnections } from './open-connections';
import { OverloadMonitor } from './overload-monitor';

const overloadMonitor = {
  provide: OverloadMonitor,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => new OverloadMonitor(config.server.overloadLagMs),
};

@Global()
@Module({
  providers: [LifecycleState, OpenConnections, overloadMonitor],
  exports: [LifecycleState, OpenConnections, OverloadMonitor],
})
export class LifecycleModule {}
