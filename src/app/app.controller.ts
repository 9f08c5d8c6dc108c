import {
  All,
  Controller,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  Options,
  Req,
  Res,
} from '@nestjs/common';
import { ApiDoc } from '../common/http/api-doc';
import type { Request, Response } from 'express';
import { hostname } from 'node:os';
import { APP_CONFIG, type AppConfig } from '../common/config/app-config';
import { ALLOWED_METHODS } from './request-path/allowed-methods';
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
  @ApiDoc({
    summary: 'Who answered: name, version and hostname; with BACKEND_URL, what each backend answered',
    responses: { 200: 'answered', 502: 'a backend failed', 504: 'a backend did not answer in time' },
  })
  root(@Req() req: Request): RootResponse | Promise<RootResponse> {
    return this.backends.urls.length === 0 ? this.body : this.withBackends(req);
  }

  /** The methods / answers, for CORS preflights and curious clients. */
  @Options()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiDoc({ summary: 'The methods / answers, in Allow', responses: { 204: 'Allow lists them' } })
  options(@Res({ passthrough: true }) res: Response): void {
    res.setHeader('Allow', ALLOWED_METHODS);
  }

  /** POST, PUT, PATCH, DELETE, ...: the resource exists but only reads, so 405 rather than 404. */
  @All()
  @ApiDoc({ summary: '405 with Allow', hidden: true })
  otherMethods(@Req() req: Request, @Res({ passthrough: true }) res: Response): never {
    res.setHeader('Allow', ALLOWED_METHODS);
    throw new HttpException(
      {
        statusCode: 405,
        error: 'Method Not Allowed',
        message: `${req.method} is not allowed on /; use ${ALLOWED_METHODS}`,
      },
      HttpStatus.METHOD_NOT_ALLOWED,
    );
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
