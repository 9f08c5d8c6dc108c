import {
  BadRequestException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiDoc } from '../../../common/http/api-doc';
import type { Response } from 'express';
import { MAX_STRESS_SECONDS, StressService, type StressState } from '../stress/stress.service';
import { ControlActions } from './control-actions';
import { ControlGuard } from './control.guard';

const SECONDS = { description: `how long, 1-${MAX_STRESS_SECONDS} s, default 60`, required: false };

/** CPU and memory load on demand, for the HPA and for memory alerts. */
@Controller('stress')
@UseGuards(ControlGuard)
export class StressController {
  constructor(
    private readonly stress: StressService,
    private readonly actions: ControlActions,
  ) {}

  @Get()
  @ApiDoc({ summary: 'The load in force, and what a request may ask for' })
  state(): StressState {
    return this.stress.state();
  }

  @Post('cpu')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Keep that many cores busy in worker threads (the event loop keeps answering)',
    query: {
      cores: { description: 'at most the CPUs this process may use, default 1', required: false },
      seconds: SECONDS,
    },
  })
  cpu(
    @Query('cores') cores: unknown,
    @Query('seconds') seconds: unknown,
    @Res({ passthrough: true }) res: Response,
  ): StressState {
    const state = this.stress.startCpu(integer(cores, 'cores', 1), integer(seconds, 'seconds', 60));
    this.actions.record(res, 'stress_cpu', `CPU stress: ${state.cpu?.cores} cores until ${state.cpu?.until}`);
    return state;
  }

  @Post('memory')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Hold that much memory; refused beyond what the pod can safely give',
    query: {
      mib: { description: 'MiB to hold; GET /stress tells the bound', required: true },
      seconds: SECONDS,
    },
  })
  async memory(
    @Query('mib') mib: unknown,
    @Query('seconds') seconds: unknown,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StressState> {
    const state = await this.stress.startMemory(
      integer(mib, 'mib', undefined),
      integer(seconds, 'seconds', 60),
    );
    this.actions.record(
      res,
      'stress_memory',
      `memory stress: ${state.memory?.mib} MiB until ${state.memory?.until}`,
    );
    return state;
  }

  @Delete()
  @ApiDoc({ summary: 'Stop every load' })
  async stop(@Res({ passthrough: true }) res: Response): Promise<StressState> {
    const state = await this.stress.stopAll();
    this.actions.record(res, 'stress_stop', 'stress stopped');
    return state;
  }
}

/** A query parameter that must be a whole number (one value, digits only). */
function integer(value: unknown, name: string, fallback: number | undefined): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) {
    throw new BadRequestException(`${name} must be a whole number`);
  }
  return Number(value);
}
