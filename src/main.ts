import { ConfigError } from './common/config/config-error';
import { loadConfig } from './common/config/load-config';
import { createLogger } from './common/logging/create-logger';
import { writeFatalLine } from './common/logging/fatal-line';

/**
 * The entry point: configuration, then tracing, then the application. Without an OTLP endpoint
 * the OpenTelemetry SDK is not loaded at all.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const tracing = config.tracing.enabled
    ? (await import('./common/tracing/start-tracing.ts')).startTracing(config)
    : undefined;
  const { startServer } = await import('./app/start-server.ts');
  await startServer(config, createLogger(config.logLevel), tracing);
}

main().catch((error: unknown) => {
  if (!(error instanceof ConfigError)) throw error;
  writeFatalLine(`configuration error: ${error.message}`);
  process.exitCode = 1;
});
