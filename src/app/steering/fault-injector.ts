import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type FaultSettings } from '../../common/config/app-config';

/** What a fault does to one request: a wait added to it, and the status it fails with, if it does. */
export interface FaultOutcome {
  delayMs: number;
  failWith: number | undefined;
}

const NO_FAULT: FaultOutcome = { delayMs: 0, failWith: undefined };

/**
 * The faults in force (FAULT_* at start-up, PUT /faults at run time). The request path asks for an
 * outcome per application request; while no fault is set that costs one property read.
 */
@Injectable()
export class FaultInjector {
  private current: FaultSettings;
  /** True while a fault is set. */
  active: boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.current = config.faults;
    this.active = isActive(config.faults);
  }

  get settings(): FaultSettings {
    return this.current;
  }

  set(settings: FaultSettings): void {
    this.current = settings;
    this.active = isActive(settings);
  }

  clear(): void {
    this.set({ errorRate: 0, status: this.current.status, delayMs: 0 });
  }

  /** The outcome for one request: the added wait, and a failure with the share errorRate gives. */
  pick(): FaultOutcome {
    if (!this.active) return NO_FAULT;
    const { errorRate, status, delayMs } = this.current;
    return { delayMs, failWith: Math.random() < errorRate ? status : undefined };
  }
}

function isActive(settings: FaultSettings): boolean {
  return settings.errorRate > 0 || settings.delayMs > 0;
}
