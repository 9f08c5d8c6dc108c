import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/app-config';
import { writeHeldLines } from './deferred-lines';
import { LineBatchDestination } from './line-batch-destination';

/** A batch is written at the latest this long after its first line, so a quiet service's lines still show promptly. */
const FLUSH_INTERVAL_MS = 200;

/** Every destination made here; the process's 'exit' hook writes what each still holds. */
const destinations = new Set<LineBatchDestination>();

/**
 * The process-wide JSON logger: one line per record, ISO time, the level as a word. Lines are
 * written in batches; the graceful shutdown and the fatal-error handlers flush them, and so does
 * process exit, whatever its cause.
 */
export function createLogger(level: LogLevel, fd: 1 | 2 = 1): Logger {
  const destination = new LineBatchDestination(fd);
  if (destinations.size === 0) process.once('exit', flushAll);
  destinations.add(destination);
  setInterval(() => {
    destination.flushSync();
  }, FLUSH_INTERVAL_MS).unref();
  return pino(
    {
      level,
      base: null,
      timestamp: isoTimeCachedPerMillisecond(),
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // Lines held for the next event-loop turn (the access log) go first: the log keeps the
        // order in which lines were logged.
        logMethod(args, method) {
          writeHeldLines();
          method.apply(this, args);
        },
      },
    },
    destination,
  );
}

function flushAll(): void {
  // Lines held for the next event-loop turn first: that turn will not come.
  writeHeldLines();
  for (const destination of destinations) destination.flushSync();
}

/** pino's isoTime, formatting the date once per millisecond instead of once per line. */
function isoTimeCachedPerMillisecond(): () => string {
  let lastMs = 0;
  let cached = '';
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      cached = `,"time":"${new Date(now).toISOString()}"`;
    }
    return cached;
  };
}
