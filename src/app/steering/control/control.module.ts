import { Module } from '@nestjs/common';
import { RequestPathModule } from '../../request-path/request-path.module';
import { SteeringModule } from '../steering.module';
import { ControlActions } from './control-actions';
import { ControlGuard } from './control.guard';
import { FaultsController } from './faults.controller';
import { PanicController } from './panic.controller';
import { ProbesController } from './probes.controller';
import { StressController } from './stress.controller';

/**
 * The endpoints that change the service's state at run time. AppModule imports this module only
 * with CONTROL_ENABLED=true: otherwise the routes do not exist and answer 404, as if absent.
 */
@Module({
  imports: [RequestPathModule, SteeringModule],
  controllers: [ProbesController, PanicController, FaultsController, StressController],
  providers: [ControlGuard, ControlActions],
})
export class ControlModule {}
