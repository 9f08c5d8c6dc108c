import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app-config';
import type { Tracing } from '../tracing/start-tracing';
import { LifecycleState } from './lifecycle-state';
import { OpenConnections } from './open-connections';

/** How often idle keep-alive sockets are closed while the server waits for in-flight requests. */
const IDLE_SWEEP_MS = 100;

/**
 * Once the listener closes, a request still arriving (its head or body incomplete) for longer than
 * this is answered 408, instead of waiting out HEADERS_TIMEOUT_MS or REQUEST_TIMEOUT_MS: a client
 * that stalls must not hold the shutdown.
 */
const RECEIVE_GRACE_AT_SHUTDOWN_MS = 1000;

/** Flushes the log and exits; the last thing the process does. */
export function exitAfterFlush(logger: Logger, code: number): void {
  logger.flush(() => process.exit(code));
}

/**
 * Stops accepting connections and resolves once every open connection has finished. Sockets that
 * answered their last request before shutdown began still hold keep-alive; they are closed as soon
 * as they are idle. Requests still arriving get RECEIVE_GRACE_AT_SHUTDOWN_MS, then a 408.
 */
function closeServer(server: Server, connections: OpenConnections): Promise<void> {
  const closedAt = Date.now();
  return new Promise((resolve) => {
    const sweep = setInterval(() => {
      server.closeIdleConnections();
      if (Date.now() - closedAt > RECEIVE_GRACE_AT_SHUTDOWN_MS) {
        connections.endStalledRequests(server, RECEIVE_GRACE_AT_SHUTDOWN_MS);
      }
    }, IDLE_SWEEP_MS);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
  });
}

/**
 * The shutdown sequence, in order. On SIGTERM or SIGINT: fail readiness; keep serving for the drain
 * so load balancers stop sending traffic; stop accepting; let in-flight requests (delays included)
 * finish; close Nest; export the buffered spans; flush the log; exit 0. The timeout, started with
 * the sequence, bounds all of it and exits 1. A second signal exits at once.
 */
export function installGracefulShutdown(
  app: INestApplication,
  config: AppConfig,
  logger: Logger,
  tracing?: Tracing,
): void {
  const lifecycle = app.get(LifecycleState);
  const { drainMs, timeoutMs } = config.shutdown;

  const forceExit = (reason: string): void => {
    logger.error({ cutRequests: lifecycle.inFlightRequests }, `${reason}: exiting with requests cut`);
    exitAfterFlush(logger, 1);
  };

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    lifecycle.markShuttingDown();
    logger.info(
      { signal, drainMs, timeoutMs, inFlightRequests: lifecycle.inFlightRequests },
      'shutdown started: readiness is failing, draining',
    );
    setTimeout(() => forceExit(`shutdown took longer than SHUTDOWN_TIMEOUT_MS=${timeoutMs}`), timeoutMs);

    await sleep(drainMs);
    logger.info({ inFlightRequests: lifecycle.inFlightRequests }, 'drain over: closing the listener');
    lifecycle.closeOtherListeners();
    await closeServer(app.getHttpServer() as Server, app.get(OpenConnections));
    await app.close();
    await tracing?.shutdown();
    logger.info('shutdown complete');
    exitAfterFlush(logger, 0);
  };

  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      forceExit(`second ${signal}`);
      return;
    }
    stopping = true;
    shutdown(signal).catch((error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      exitAfterFlush(logger, 1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
