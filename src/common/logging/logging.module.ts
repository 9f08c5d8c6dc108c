import { DynamicModule, Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/** Injection token for the process's pino logger (the access log writes through it). */
export const PINO_LOGGER = Symbol('PINO_LOGGER');

/**
 * nestjs-pino, registered once at the root, carries Nest's own messages on the process's pino
 * logger. Its per-request middleware (pino-http) is not mounted: RequestBookkeeping writes the
 * access-log line itself with one call, where pino-http made two or three child loggers per
 * request, which cost a large share of the throughput (docs/performance.md).
 */
@Global()
@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] })],
      providers: [{ provide: PINO_LOGGER, useValue: logger }],
      exports: [PINO_LOGGER],
    };
  }
}
