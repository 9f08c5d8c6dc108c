import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { LifecycleState } from '../common/lifecycle/lifecycle-state';

/** Health indicators derived from where the process is in its life; none of them does I/O. */
@Injectable()
export class LifecycleHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly lifecycle: LifecycleState,
  ) {}

  /** Up while the event loop answers at all. */
  alive(): HealthIndicatorResult<'process'> {
    return this.health.check('process').up();
  }

  /** Up until shutdown begins. */
  serving(): HealthIndicatorResult<'serving'> {
    const check = this.health.check('serving');
    return this.lifecycle.shuttingDown ? check.down('shutting down') : check.up();
  }

  /** Up once the server listens, and down again from the moment shutdown begins. */
  ready(): HealthIndicatorResult<'ready'> {
    const check = this.health.check('ready');
    if (this.lifecycle.shuttingDown) return check.down('shutting down');
    return this.lifecycle.ready ? check.up() : check.down('starting');
  }
}
