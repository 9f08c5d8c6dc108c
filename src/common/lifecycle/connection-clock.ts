import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

const READY_SINCE = Symbol('httpserver.connectionReadySince');
type ClockedSocket = Socket & { [READY_SINCE]?: number };

/** Notes that the connection can take a new request from now: when accepted, and after each response. */
export function markConnectionReady(socket: Socket, now = performance.now()): void {
  (socket as ClockedSocket)[READY_SINCE] = now;
}

/**
 * Milliseconds since the connection became ready for the request now on it: how long a request the
 * HTTP parser refused (or timed out) had been arriving. A request has no object of its own then.
 */
export function msSinceConnectionReady(socket: Socket): number {
  const since = (socket as ClockedSocket)[READY_SINCE];
  return since === undefined ? 0 : performance.now() - since;
}
