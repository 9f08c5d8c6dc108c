import { Body, Controller, Delete, Get, Inject, Put, Res, UseGuards } from '@nestjs/common';
import { ApiDoc } from '../../../common/http/api-doc';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig, type FaultSettings } from '../../../common/config/app-config';
import { FaultInjector } from '../fault-injector';
import { ControlActions } from './control-actions';
import { ControlGuard } from './control.guard';
import { parseFaultSettings } from './parse-fault-settings';

/** Faults on demand, for error-rate and latency alerts, outlier detection and canary rollbacks. */
@Controller('faults')
@UseGuards(ControlGuard)
export class FaultsController {
  private readonly maxDelayMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly faults: FaultInjector,
    private readonly actions: ControlActions,
  ) {
    this.maxDelayMs = config.maxDelayMs;
  }

  @Get()
  @ApiDoc({ summary: 'The faults in force' })
  get(): FaultSettings {
    return this.faults.settings;
  }

  @Put()
  @ApiDoc({
    summary: 'Fail that share of application requests with that status, and/or add that wait',
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        errorRate: { type: 'number', minimum: 0, maximum: 1, default: 0 },
        status: { type: 'integer', minimum: 400, maximum: 599, default: 500 },
        delayMs: { type: 'integer', minimum: 0, description: 'at most MAX_DELAY_MS', default: 0 },
      },
    },
  })
  set(@Body() body: unknown, @Res({ passthrough: true }) res: Response): FaultSettings {
    const settings = parseFaultSettings(body, this.maxDelayMs);
    this.faults.set(settings);
    this.actions.record(
      res,
      'faults_set',
      `faults set: errorRate ${settings.errorRate}, status ${settings.status}, delayMs ${settings.delayMs}`,
    );
    return this.faults.settings;
  }

  @Delete()
  @ApiDoc({ summary: 'No more faults' })
  clear(@Res({ passthrough: true }) res: Response): FaultSettings {
    this.faults.clear();
    this.actions.record(res, 'faults_clear', 'faults cleared');
    return this.faults.settings;
  }
}
