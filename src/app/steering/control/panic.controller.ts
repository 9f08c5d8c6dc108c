import { Controller, HttpCode, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { ApiDoc } from '../../../common/http/api-doc';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { exitAfterFlush } from '../../../common/lifecycle/graceful-shutdown';
import { PINO_LOGGER } from '../../../common/logging/logging.module';
import { ControlActions } from './control-actions';
import { ControlGuard } from './control.guard';

/** Exit code of a crash asked for: any non-zero code counts as a restart; 1 is what a real crash gives. */
const PANIC_EXIT_CODE = 1;

/** A crash on demand (podinfo's path), so the restart count and the restart alert can be seen. */
@Controller()
@UseGuards(ControlGuard)
export class PanicController {
  constructor(
    private readonly actions: ControlActions,
    @Inject(PINO_LOGGER) private readonly logger: Logger,
  ) {}

  @Post('panic')
  @HttpCode(202)
  @ApiDoc({ summary: 'Logs fatal and exits non-zero once this response is written' })
  panic(@Res({ passthrough: true }) res: Response): { message: string } {
    this.actions.record(res, 'panic', 'the process exits');
    res.once('close', () => {
      this.logger.fatal('panic asked for through POST /panic: exiting');
      exitAfterFlush(this.logger, PANIC_EXIT_CODE);
    });
    return { message: `exiting with code ${PANIC_EXIT_CODE}` };
  }
}
