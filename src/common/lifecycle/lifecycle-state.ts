import { Injectable } from '@nestjs/common';
import type { ServerResponse } from 'node:http';

/** Where the process is in its life: probes and the shutdown sequence read and change it. */
@Injectable()
export class LifecycleState {
  private listening = false;
  private stopping = false;
  private readonly inFlight = new Set<ServerResponse>();

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
    for (const res of this.inFlight) {
      if (!res.headersSent) res.setHeader('Connection', 'close');
    }
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
