import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { LifecycleState } from '../common/lifecycle/lifecycle-state';

const LIVENESS_DISABLED = 'disabled by POST /livez/disable';

/** Health indicators derived from where the process is in its life; none of them does I/O. */
@Injectable()
export class LifecycleHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly lifecycle: LifecycleState,
  ) {}

  /** Up while the event loop answers at all, unless POST /livez/disable says otherwise. */
  alive(): HealthIndicatorResult<'process'> {
    const check = this.health.check('process');
    return this.lifecycle.livenessDisabled ? check.down(LIVENESS_DISABLED) : check.up();
  }

  /** Up until shutdown begins, and while liveness is not disabled. */
  serving(): HealthIndicatorResult<'serving'> {
    const check = this.health.check('serving');
    if (this.lifecycle.livenessDisabled) return check.down(LIVENESS_DISABLED);
    return this.lifecycle.shuttingDown ? check.down('shutting down') : check.up();
  }

  /** Up once the server listens, and down again from the moment shutdown begins or readiness is disabled. */
  ready(): HealthIndicatorResult<'ready'> {
    const check = this.health.check('ready');
    if (this.lifecycle.shuttingDown) return check.down('shutting down');
    if (this.lifecycle.readinessDisabled) return check.down('disabled by POST /readyz/disable');
    return this.lifecycle.ready ? check.up() : check.down('starting');
  }
}
