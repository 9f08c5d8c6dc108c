import { Controller, Get, Inject } from '@nestjs/common';
import { hostname } from 'node:os';
import { APP_CONFIG, type AppConfig } from '../common/config/app-config';

export interface RootResponse {
  name: string;
  version: string;
  hostname: string;
}

@Controller()
export class AppController {
  private readonly body: RootResponse;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // Nothing in the body changes while the process lives, so it is built once.
    this.body = { name: 'httpserver', version: config.version, hostname: hostname() };
  }

  @Get()
  root(): RootResponse {
    return this.body;
  }
}
