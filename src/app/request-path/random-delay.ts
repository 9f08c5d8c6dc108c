import type { ServerResponse } from 'node:http';
import { Observable } from 'rxjs';

/** Picks a uniformly random delay in [minMs, maxMs]; 0 when the delay is turned off. */
export function createDelayPicker(minMs: number, maxMs: number): () => number {
  if (maxMs === 0) return () => 0;
  const span = maxMs - minMs + 1;
  return () => minMs + Math.floor(Math.random() * span);
}

/**
 * Subscribes to `then` after `ms`, unless the client hangs up first. In that case the timer is
 * cleared and the returned observable never settles: the handler does not run and nothing is
 * written, and with no timer or listener left the whole chain is garbage. (Completing or erroring
 * instead would make Nest write a 500 and log it for a client that is already gone.)
 */
export function afterDelay<T>(res: ServerResponse, ms: number, then: Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const onClose = (): void => clearTimeout(timer);
    const timer = setTimeout(() => {
      res.off('close', onClose);
      subscriber.add(
        then.subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        }),
      );
    }, ms);
    res.once('close', onClose);
    return () => {
      clearTimeout(timer);
      res.off('close', onClose);
    };
  });
}
