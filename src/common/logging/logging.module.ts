import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { accessLogOptions } from './access-log.options';

/** nestjs-pino, registered once at the root: Nest's own messages and the access log share one logger. */
@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: accessLogOptions(logger) })],
    };
  }
}
