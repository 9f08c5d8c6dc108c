import { Controller, Get, HttpException, HttpStatus, Inject, Req } from '@nestjs/common';
import type { Request } from 'express';
import { hostname } from 'node:os';
import { APP_CONFIG, type AppConfig } from '../common/config/app-config';
import { type BackendAnswer, BackendClient } from './backend-client';

export interface RootResponse {
  name: string;
  version: string;
  hostname: string;
  backends?: BackendAnswer[];
}

@Controller()
export class AppController {
  private readonly body: RootResponse;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly backends: BackendClient,
  ) {
    // Nothing in the body changes while the process lives, so it is built once.
    this.body = { name: 'httpserver', version: config.version, hostname: hostname() };
  }

  /** Who answered; with BACKEND_URL set, also what each backend answered (502/504 when one did not). */
  @Get()
  root(@Req() req: Request): RootResponse | Promise<RootResponse> {
    return this.backends.urls.length === 0 ? this.body : this.withBackends(req);
  }

  private async withBackends(req: Request): Promise<RootResponse> {
    const backends = await this.backends.callAll(req);
    const culprit =
      backends.find((b) => b.outcome === 'timeout') ?? backends.find((b) => b.outcome === 'failed');
    if (culprit !== undefined) {
      const status = culprit.outcome === 'timeout' ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY;
      const reason = culprit.error ?? `answered ${culprit.status}`;
      throw new HttpException(
        {
          statusCode: status,
          error: status === HttpStatus.GATEWAY_TIMEOUT ? 'Gateway Timeout' : 'Bad Gateway',
          message: `backend ${culprit.url}: ${reason}`,
          backends,
        },
        status,
      );
    }
    return { ...this.body, backends };
  }
}
