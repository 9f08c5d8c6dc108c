import type { Level, Logger } from 'pino';

interface PendingLine {
  level: Level;
  fields: object;
  msg: string;
}

/** Every queue made here, for writeHeldLines. */
const queues = new Set<DeferredLines>();

/**
 * Log calls held and made together, once per turn of the event loop, instead of one by one as they
 * happen. Why: serializing a line between two requests costs several times what it costs among
 * other lines (cold caches); for the access log this gave 1.02-1.05 times the throughput
 * (docs/performance.md). Each line is written in order, its `time` taken when it is written (at
 * most one loop turn late). What is held is written first whenever the logger writes a line of
 * its own, so the log keeps the order of the calls, and at process exit before the log's last
 * batch: createLogger's logger calls writeHeldLines then.
 */
export class DeferredLines {
  private readonly pending: PendingLine[] = [];

  constructor(private readonly logger: Logger) {
    queues.add(this);
  }

  write(level: Level, fields: object, msg: string): void {
    if (this.pending.push({ level, fields, msg }) === 1) setImmediate(this.writePending);
  }

  get holdsLines(): boolean {
    return this.pending.length > 0;
  }

  /** Writes every held line now. */
  readonly writePending = (): void => {
    const lines = this.pending.splice(0);
    for (const { level, fields, msg } of lines) this.logger[level](fields, msg);
  };
}

/** Writes the lines every queue holds, in order. */
export function writeHeldLines(): void {
  for (const queue of queues) if (queue.holdsLines) queue.writePending();
}
