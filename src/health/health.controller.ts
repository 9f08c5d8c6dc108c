import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { LifecycleHealthIndicator } from './lifecycle.health';

/** Kubernetes probe endpoints; they are never delayed (see RequestInterceptor). */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly lifecycle: LifecycleHealthIndicator,
  ) {}

  /** General health: 200 while serving, 503 once shutdown begins. */
  @Get('healthz')
  @HealthCheck()
  healthz(): Promise<HealthCheckResult> {
    return this.health.check([() => this.lifecycle.serving()]);
  }

  /** Liveness: 200 whenever the process can answer at all, even while draining. */
  @Get('livez')
  @HealthCheck()
  livez(): Promise<HealthCheckResult> {
    return this.health.check([() => this.lifecycle.alive()]);
  }

  /** Readiness: 200 only between "listening" and "shutdown begun". */
  @Get('readyz')
  @HealthCheck()
  readyz(): Promise<HealthCheckResult> {
    return this.health.check([() => this.lifecycle.ready()]);
  }
}
