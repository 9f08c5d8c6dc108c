import { Controller, Get, Inject, Injectable, Res } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../../common/config/app-config';
import { OPENAPI_FILE } from '../../common/config/app-files';
import { CONTROL_ROUTES } from '../../common/http/routes';

interface OpenApi {
  info: { version: string };
  paths: Record<string, unknown>;
}

/**
 * The OpenAPI document that the build generated, cut to this configuration: the control endpoints
 * only when CONTROL_ENABLED=true, and this VERSION. Read on first use, so an instance nobody asks
 * for it never parses it.
 */
@Injectable()
export class OpenApiDocument {
  private text?: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get json(): string {
    this.text ??= JSON.stringify(
      this.forThisConfig(JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as OpenApi),
    );
    return this.text;
  }

  private forThisConfig(document: OpenApi): OpenApi {
    const paths = Object.entries(document.paths).filter(
      ([path]) => this.config.control.enabled || !CONTROL_ROUTES.has(path),
    );
    return {
      ...document,
      info: { ...document.info, version: this.config.version },
      paths: Object.fromEntries(paths),
    };
  }
}

@Controller()
export class OpenApiController {
  constructor(private readonly document: OpenApiDocument) {}

  @Get('openapi.json')
  openapi(@Res() res: Response): void {
    res.type('application/json').send(this.document.json);
  }
}
