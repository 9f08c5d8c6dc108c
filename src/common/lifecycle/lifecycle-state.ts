import { Injectable } from '@nestjs/common';

/** Where the process is in its life: probes and the shutdown sequence read and change it. */
@Injectable()
export class LifecycleState {
  private listening = false;
  private stopping = false;
  private inFlight = 0;

  /** The server accepts connections: readiness may turn green. */
  markListening(): void {
    this.listening = true;
  }

  /** Shutdown has begun: readiness and health turn red and responses close their connections. */
  markShuttingDown(): void {
    this.stopping = true;
  }

  get ready(): boolean {
    return this.listening && !this.stopping;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  /** Requests received and not yet answered or abandoned. */
  get inFlightRequests(): number {
    return this.inFlight;
  }

  requestStarted(): void {
    this.inFlight++;
  }

  requestEnded(): void {
    this.inFlight--;
  }
}
