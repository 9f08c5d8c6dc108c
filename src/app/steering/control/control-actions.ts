import { Inject, Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { Counter } from 'prom-client';
import { RequestBookkeeping } from '../../request-path/request-bookkeeping';
import { CONTROL_ACTIONS_COUNTER, type ControlAction } from '../steering-metrics';

/** Every control action is counted and says, in its access line (at warn), what it changed. */
@Injectable()
export class ControlActions {
  constructor(
    private readonly bookkeeping: RequestBookkeeping,
    @Inject(CONTROL_ACTIONS_COUNTER) private readonly counter: Counter<'action'>,
  ) {}

  record(res: Response, action: ControlAction, change: string): void {
    this.counter.labels(action).inc();
    this.bookkeeping.recordChange(res, change);
  }
}
