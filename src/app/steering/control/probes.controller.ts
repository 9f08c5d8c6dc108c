import { Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { ApiDoc } from '../../../common/http/api-doc';
import type { Response } from 'express';
import { LifecycleState } from '../../../common/lifecycle/lifecycle-state';
import { ControlActions } from './control-actions';
import { ControlGuard } from './control.guard';

interface ProbeState {
  readiness: 'enabled' | 'disabled';
  liveness: 'enabled' | 'disabled';
}

/** Readiness and liveness on demand, with podinfo's paths: to show endpoint removal and a restart. */
@Controller()
@UseGuards(ControlGuard)
export class ProbesController {
  constructor(
    private readonly lifecycle: LifecycleState,
    private readonly actions: ControlActions,
  ) {}

  @Post('readyz/disable')
  @HttpCode(200)
  @ApiDoc({ summary: '/readyz answers 503, so the pod leaves the Service endpoints' })
  disableReadiness(@Res({ passthrough: true }) res: Response): ProbeState {
    this.lifecycle.readinessDisabled = true;
    this.actions.record(res, 'readiness_disable', 'readiness disabled: /readyz answers 503');
    return this.state();
  }

  @Post('readyz/enable')
  @HttpCode(200)
  @ApiDoc({ summary: '/readyz answers as before' })
  enableReadiness(@Res({ passthrough: true }) res: Response): ProbeState {
    this.lifecycle.readinessDisabled = false;
    this.actions.record(res, 'readiness_enable', 'readiness enabled');
    return this.state();
  }

  @Post('livez/disable')
  @HttpCode(200)
  @ApiDoc({ summary: '/livez and /healthz answer 503, so the kubelet restarts the container' })
  disableLiveness(@Res({ passthrough: true }) res: Response): ProbeState {
    this.lifecycle.livenessDisabled = true;
    this.actions.record(res, 'liveness_disable', 'liveness disabled: /livez and /healthz answer 503');
    return this.state();
  }

  @Post('livez/enable')
  @HttpCode(200)
  @ApiDoc({ summary: '/livez and /healthz answer as before' })
  enableLiveness(@Res({ passthrough: true }) res: Response): ProbeState {
    this.lifecycle.livenessDisabled = false;
    this.actions.record(res, 'liveness_enable', 'liveness enabled');
    return this.state();
  }

  private state(): ProbeState {
    return {
      readiness: this.lifecycle.readinessDisabled ? 'disabled' : 'enabled',
      liveness: this.lifecycle.livenessDisabled ? 'disabled' : 'enabled',
    };
  }
}
