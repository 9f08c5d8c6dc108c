import pino, { Logger } from 'pino';
import type { LogLevel } from '../config/app-config';

/**
 * The process-wide JSON logger: one line per record on the given file descriptor, ISO time, the
 * level as a word. Writes are buffered off the request path; flush() runs on shutdown and on fatal errors.
 */
export function createLogger(level: LogLevel, fd: 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: fd, sync: false, minLength: 0 }),
  );
}
