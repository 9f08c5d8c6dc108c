import { ConfigError } from './common/config/config-error';
import { loadConfig } from './common/config/load-config';
import { createLogger } from './common/logging/create-logger';
import { writeFatalLine } from './common/logging/fatal-line';

function main(): void {
  const config = loadConfig();
  // Tracing patches http and Express as they load, so both modules are required here, in this
  // order, instead of imported at the top (imports would load Nest before tracing starts).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const tracing = config.tracing.enabled
    ? (
        require('./common/tracing/start-tracing') as typeof import('./common/tracing/start-tracing')
      ).startTracing(config)
    : undefined;
  const { startServer } = require('./app/start-server') as typeof import('./app/start-server');
  /* eslint-enable @typescript-eslint/no-require-imports */
  void startServer(config, createLogger(config.logLevel), tracing);
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  writeFatalLine(`configuration error: ${error.message}`);
  process.exitCode = 1;
}
