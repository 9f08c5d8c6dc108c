import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { AppConfig } from '../common/config/app-config';
import type { Tracing } from '../common/tracing/start-tracing';
import { exitAfterFlush, installGracefulShutdown } from '../common/lifecycle/graceful-shutdown';
import { LifecycleState } from '../common/lifecycle/lifecycle-state';
import { writeFatalLine } from '../common/logging/fatal-line';
import { createApp } from './create-app';
import { describeListenError } from './describe-listen-error';
import { listenForControl } from './steering/control/listen-for-control';

/**
 * Start-up, in order: a crash from here on is logged as fatal and exits 1; every module
 * initialises; signals are handled; then the server listens and readiness turns green. A failure
 * before that is one fatal line on stderr, as for a configuration error, and exit 1.
 */
export async function startServer(config: AppConfig, logger: Logger, tracing?: Tracing): Promise<void> {
  const fatal = (message: string) => (error: unknown) => {
    logger.fatal({ err: error }, message);
    exitAfterFlush(logger, 1);
  };
  process.on('uncaughtException', fatal('uncaught exception'));
  process.on('unhandledRejection', fatal('unhandled promise rejection'));

  try {
    const app = await createApp(config, logger, tracing);
    installGracefulShutdown(app, config, logger, tracing);
    await (config.host === undefined ? app.listen(config.port) : app.listen(config.port, config.host));
    await listenForControl(app.getHttpServer(), config, app.get(LifecycleState));
    app.get(LifecycleState).markListening();
    const { port } = app.getHttpServer().address() as AddressInfo;
    logger.info(
      {
        port,
        host: config.host ?? '*',
        version: config.version,
        tracing: tracing !== undefined,
        control: config.control.enabled ? (config.control.port ?? port) : false,
      },
      'listening',
    );
  } catch (error) {
    const listen = describeListenError(error, config);
    if (listen === undefined) {
      writeFatalLine(`start-up failed: ${(error as Error).message}`, { stack: (error as Error).stack });
    } else {
      const { message, ...fields } = listen;
      writeFatalLine(`start-up failed: ${message}`, fields);
    }
    exitAfterFlush(logger, 1);
  }
}
