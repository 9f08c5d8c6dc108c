import { BadRequestException, Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiDoc } from '../../common/http/api-doc';
import type { Response } from 'express';
import { of, type Observable } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../../common/config/app-config';
import { afterDelay } from '../request-path/random-delay';
import { RequestBookkeeping } from '../request-path/request-bookkeeping';
import { parseDuration } from './parse-duration';

/** A wait of a chosen length (podinfo's /delay), instead of the random one, capped by MAX_DELAY_MS. */
@Controller('delay')
export class DelayController {
  private readonly maxDelayMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly bookkeeping: RequestBookkeeping,
  ) {
    this.maxDelayMs = config.maxDelayMs;
  }

  @Get(':duration')
  @ApiDoc({
    summary: 'Waits that long, then 200; a client that leaves stops the wait (499)',
    params: { duration: 'seconds (1.5), or 250ms, or 2s; at most MAX_DELAY_MS' },
    responses: { 200: 'waited', 400: 'not a duration, or over MAX_DELAY_MS' },
  })
  wait(
    @Param('duration') duration: string,
    @Res({ passthrough: true }) res: Response,
  ): Observable<{ delayMs: number }> {
    const delayMs = parseDuration(duration);
    if (delayMs > this.maxDelayMs) {
      throw new BadRequestException(`${delayMs} ms is over MAX_DELAY_MS (${this.maxDelayMs} ms)`);
    }
    this.bookkeeping.recordDelay(res, delayMs);
    return afterDelay(res, delayMs, of({ delayMs }));
  }
}
