import { Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiDoc } from '../../common/http/api-doc';
import type { Request, Response } from 'express';
import { APP_CONFIG, type AppConfig } from '../../common/config/app-config';

interface VersionInfo {
  name: string;
  version: string;
  commit: string | undefined;
  buildTime: string | undefined;
}

/** What the service received and what it is: headers, version, and the body sent back. */
@Controller()
export class InspectController {
  private readonly versionInfo: VersionInfo;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.versionInfo = {
      name: 'httpserver',
      version: config.version,
      commit: config.build.commit,
      buildTime: config.build.time,
    };
  }

  @Get('headers')
  @ApiDoc({ summary: "The request's headers, every value of a repeated one (names in lower case)" })
  headers(@Req() req: Request): { headers: Record<string, string | string[]> } {
    const headers: Record<string, string | string[]> = {};
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = (raw[i] as string).toLowerCase();
      const value = raw[i + 1] as string;
      const seen = headers[name];
      headers[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    return { headers };
  }

  @Get('version')
  @ApiDoc({ summary: 'The version, and the commit and build time the image stamps' })
  version(): VersionInfo {
    return this.versionInfo;
  }

  @Post('echo')
  @HttpCode(200)
  @ApiDoc({
    summary: 'Answers the request body with its Content-Type',
    responses: { 200: 'the body, as sent', 413: 'the body is over 100 KiB' },
  })
  echo(@Req() req: Request, @Res() res: Response): void {
    // request-path.ts reads every /echo body raw, whatever its type.
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    res.status(200).setHeader('Content-Type', req.headers['content-type'] ?? 'application/octet-stream');
    res.send(body);
  }
}
