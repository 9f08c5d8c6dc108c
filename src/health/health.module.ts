import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { LifecycleHealthIndicator } from './lifecycle.health';

@Module({
  // A failed check during shutdown is expected; terminus would log it at error level with a stack.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [LifecycleHealthIndicator],
})
export class HealthModule {}
