import type { OnModuleDestroy } from '@nestjs/common';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** How often the event loop's delay is sampled: every sample is one turn of the loop at most. */
export const LAG_RESOLUTION_MS = 10;

/** How long one verdict holds: long enough for a few samples even when the loop turns slowly. */
export const OVERLOAD_WINDOW_MS = 500;

/** What OverloadMonitor reads: Node's event-loop delay histogram (nanoseconds), or a test's. */
export interface LagHistogram {
  enable(): boolean;
  disable(): boolean;
  readonly max: number;
  reset(): void;
}

/**
 * Whether the process is overloaded: the event loop's longest delay in the last half-second (beyond
 * the sampling interval itself) above OVERLOAD_LAG_MS; the verdict holds for the next half-second.
 * While it is, every response asks its client to close the connection (RequestBookkeeping). A
 * saturated Node process accepts one new connection per turn of its loop, so without this the
 * clients it already serves keep it busy while new ones wait unaccepted in the kernel for as long
 * as the overload lasts; with it, every client queues in the kernel's accept queue in turn, and a
 * client that reconnects through a Service can reach a pod the HPA has just added (as Envoy's
 * overload manager drops keep-alive).
 */
export class OverloadMonitor implements OnModuleDestroy {
  private isOverloaded = false;
  private shed = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  /** thresholdMs 0: never overloaded, and no sampling at all. */
  constructor(
    private readonly thresholdMs: number,
    private readonly histogram: LagHistogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS }),
  ) {
    if (thresholdMs === 0) return;
    histogram.enable();
    this.timer = setInterval(() => this.judge(), OVERLOAD_WINDOW_MS).unref();
  }

  /** Ends the window: the verdict for the next half-second. Called by the timer; public for tests. */
  judge(): void {
    const lagMs = this.histogram.max / 1e6 - LAG_RESOLUTION_MS;
    this.isOverloaded = lagMs > this.thresholdMs;
    this.histogram.reset();
  }

  get overloaded(): boolean {
    return this.isOverloaded;
  }

  /** Called once per response: true while overloaded, and the response is counted as shed. */
  shedsConnection(): boolean {
    if (!this.isOverloaded) return false;
    this.shed += 1;
    return true;
  }

  /** Responses that asked their client to close the connection because of an overload. */
  get shedResponses(): number {
    return this.shed;
  }

  onModuleDestroy(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.histogram.disable();
    this.isOverloaded = false;
  }
}
