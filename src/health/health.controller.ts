import { Controller, Get } from '@nestjs/common';
import { ApiDoc } from '../common/http/api-doc';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { LifecycleHealthIndicator } from './lifecycle.health';

/**
 * Kubernetes probe endpoints; they are never delayed (see RequestInterceptor). Terminus's swagger
 * documentation stays off: it would load @nestjs/swagger into the service wherever it is installed.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly lifecycle: LifecycleHealthIndicator,
  ) {}

  /** General health: 200 while serving, 503 once shutdown begins. */
  @Get('healthz')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiDoc({
    summary: 'General health',
    responses: { 200: 'serving', 503: 'shutting down, or liveness disabled' },
  })
  healthz(): Promise<HealthCheckResult> {
    return this.health.check([() => this.lifecycle.serving()]);
  }

  /** Liveness: 200 whenever the process can answer at all, even while draining. */
  @Get('livez')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiDoc({
    summary: 'Liveness',
    responses: { 200: 'the process answers, draining included', 503: 'liveness disabled' },
  })
  livez(): Promise<HealthCheckResult> {
    return this.health.check([() => this.lifecycle.alive()]);
  }

  /** Readiness: 200 only between "listening" and "shutdown begun". */
  @Get('readyz')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiDoc({
    summary: 'Readiness',
    responses: { 200: 'listening and not shutting down', 503: 'shutting down, or readiness disabled' },
  })
  readyz(): Promise<HealthCheckResult> {
    return this.health.check([() => this.lifecycle.ready()]);
  }
}
