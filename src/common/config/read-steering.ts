import type { AppConfig } from './app-config';
import { ConfigError } from './config-error';
import type { EnvReader } from './env-parsers';

/** A token shorter than this is guessable; a reference service must not hand out a kill switch. */
const MIN_TOKEN_LENGTH = 16;

/**
 * The settings of the traffic-steering features: the /delay cap, the control endpoints and the
 * faults in force from start-up. The cap is checked against the shutdown, so that a graceful stop
 * still finishes the longest request the service itself can make (the random delay plus a fault's
 * or /delay's wait).
 */
export function readSteering(
  read: EnvReader,
  shutdown: AppConfig['shutdown'],
  delayMaxMs: number,
  port: number,
): Pick<AppConfig, 'maxDelayMs' | 'control' | 'faults'> {
  const maxDelayMs = read.integer('MAX_DELAY_MS', 10_000, 0, 600_000);
  const budget = shutdown.drainMs + delayMaxMs + maxDelayMs;
  if (shutdown.timeoutMs <= budget) {
    throw new ConfigError(
      'SHUTDOWN_TIMEOUT_MS',
      String(shutdown.timeoutMs),
      `more than SHUTDOWN_DRAIN_MS + DELAY_MAX_MS + MAX_DELAY_MS (${budget}), so a graceful stop finishes every request`,
    );
  }
  return {
    maxDelayMs,
    control: {
      enabled: read.boolean('CONTROL_ENABLED', false),
      token: readToken(read),
      port: readControlPort(read, port),
    },
    faults: {
      errorRate: read.ratio('FAULT_ERROR_RATE', 0),
      status: read.integer('FAULT_STATUS', 500, 400, 599),
      delayMs: read.integer('FAULT_DELAY_MS', 0, 0, maxDelayMs),
    },
  };
}

function readControlPort(read: EnvReader, port: number): number | undefined {
  const controlPort = read.integer('CONTROL_PORT', 0, 0, 65_535);
  if (controlPort === 0) return undefined;
  if (controlPort === port)
    throw new ConfigError('CONTROL_PORT', String(controlPort), `a port other than PORT (${port})`);
  return controlPort;
}

function readToken(read: EnvReader): string | undefined {
  const token = read.raw('CONTROL_TOKEN');
  if (token !== undefined && !new RegExp(`^[\\x21-\\x7e]{${MIN_TOKEN_LENGTH},512}$`).test(token)) {
    // The value itself is a secret: the error names the variable only.
    throw new ConfigError(
      'CONTROL_TOKEN',
      '(hidden)',
      `${MIN_TOKEN_LENGTH}-512 visible ASCII characters, no blanks`,
    );
  }
  return token;
}
