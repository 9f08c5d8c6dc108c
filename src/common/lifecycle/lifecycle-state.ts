import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { SlotSet } from './slot-set';

/** Where the process is in its life: probes and the shutdown sequence read and change it. */
@Injectable()
export class LifecycleState {
  private listening = false;
  private stopping = false;
  private readonly inFlight = new SlotSet<ServerResponse>();
  private readonly onShutdown: (() => void)[] = [];
  private readonly otherListeners: { close(): unknown }[] = [];
  /** Set by POST /readyz/disable and /readyz/enable: readiness fails while true. */
  readinessDisabled = false;
  /** Set by POST /livez/disable and /livez/enable: liveness and health fail while true. */
  livenessDisabled = false;

  /** The server accepts connections: readiness may turn green. */
  markListening(): void {
    this.listening = true;
  }

  /**
   * Shutdown has begun: readiness and health turn red, and every response not yet sent asks its
   * client to close the connection, so keep-alive clients reconnect elsewhere instead of being reset.
   * (Responses that start from now on get the header from RequestBookkeeping.)
   */
  markShuttingDown(): void {
    this.stopping = true;
    for (const callback of this.onShutdown) callback();
    for (const res of this.inFlight) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
  }

  /** Runs `callback` the moment shutdown begins (load generators stop then, not after the drain). */
  whenShuttingDown(callback: () => void): void {
    this.onShutdown.push(callback);
  }

  /** A listener beside the main one (CONTROL_PORT); the shutdown closes it with the main one. */
  addListener(listener: { close(): unknown }): void {
    this.otherListeners.push(listener);
  }

  /** Stops accepting on every listener but the main one (the shutdown closes that itself). */
  closeOtherListeners(): void {
    for (const listener of this.otherListeners) listener.close();
  }

  get ready(): boolean {
    return this.listening && !this.stopping;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Requests received and not yet answered or abandoned. */
  get inFlightRequests(): number {
    return this.inFlight.size;
  }

  requestStarted(res: ServerResponse): void {
    this.inFlight.add(res);
  }

  requestEnded(res: ServerResponse): void {
    this.inFlight.delete(res);
  }
}
