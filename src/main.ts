import { ConfigError } from './common/config/config-error';
import { loadConfig } from './common/config/load-config';
import { createLogger } from './common/logging/create-logger';
import { startServer } from './common/server/start-server';

try {
  const config = loadConfig();
  void startServer(config, createLogger(config.logLevel));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  const line = {
    level: 'fatal',
    time: new Date().toISOString(),
    msg: `configuration error: ${error.message}`,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  process.exitCode = 1;
}
