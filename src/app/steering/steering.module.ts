import { Module } from '@nestjs/common';
import { FaultInjector } from './fault-injector';
import { CONTROL_ACTIONS_COUNTER, steeringMetricProviders } from './steering-metrics';
import { StressService } from './stress/stress.service';

/** The state the service can be steered into: faults (also from FAULT_*) and load, with their gauges. */
@Module({
  providers: [FaultInjector, StressService, ...steeringMetricProviders],
  exports: [FaultInjector, StressService, CONTROL_ACTIONS_COUNTER],
})
export class SteeringModule {}
