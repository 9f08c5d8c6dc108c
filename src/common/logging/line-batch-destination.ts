import { writeSync } from 'node:fs';

/** A batch is written once it holds this many bytes: one write(2) per line costs much of the CPU under load. */
export const BATCH_BYTES = 8192;
/** The batch buffer: a full batch plus room for the line that fills it. */
const CAPACITY = 64 * 1024;
/** How long to wait before writing again to a non-blocking pipe that is full (EAGAIN). */
const FULL_PIPE_RETRY_MS = 1;

export type WriteSync = (fd: number, buffer: Buffer, offset: number, length: number) => number;

/**
 * pino's destination for the process's log: each line is encoded straight into one reused Buffer,
 * and the Buffer is written with one write(2) once it holds BATCH_BYTES, when `flush` is called
 * (on a timer, at shutdown) and at exit.
 *
 * Why not pino.destination (SonicBoom): it measures its whole pending string on every line, which
 * copies it each time, and encodes each batch twice; this costs less (docs/performance.md).
 *
 * Writes are synchronous, as with pino's default destination: lines stay in order, nothing is in
 * flight when the process exits, and a reader that stops draining the pipe blocks the process (it
 * is not buffered without bound in memory).
 */
export class LineBatchDestination {
  private readonly buffer = Buffer.allocUnsafe(CAPACITY);
  private used = 0;
  private dropping = false;

  constructor(
    private readonly fd: number,
    private readonly writeBytes: WriteSync = writeSync,
  ) {}

  /** Called by pino with one serialized line, newline included. */
  write(line: string): boolean {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit, so a line this long always fits.
    if (line.length * 3 > CAPACITY - this.used) {
      this.flushSync();
      if (line.length * 3 > CAPACITY) {
        this.writeAll(Buffer.from(line, 'utf8'));
        return true;
      }
    }
    this.used += this.buffer.write(line, this.used, 'utf8');
    if (this.used >= BATCH_BYTES) this.flushSync();
    return true;
  }

  /** Writes what is batched now. */
  flushSync(): void {
    if (this.used === 0) return;
    const batch = this.buffer.subarray(0, this.used);
    this.used = 0;
    this.writeAll(batch);
  }

  /** pino's `logger.flush(callback)`: everything logged so far is written when `callback` runs. */
  flush(callback?: (error?: Error) => void): void {
    this.flushSync();
    callback?.();
  }

  /** write(2) may take part of a batch, or refuse a full non-blocking pipe; it gets the rest. */
  private writeAll(bytes: Buffer): void {
    if (this.dropping) return;
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += this.writeBytes(this.fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          sleepSync(FULL_PIPE_RETRY_MS);
          continue;
        }
        this.fail(error);
        return;
      }
    }
  }

  /**
   * A log that cannot be written (EPIPE: nothing reads it any more, EBADF) must not take the
   * requests down with it: later lines are dropped, and stderr says so once.
   */
  private fail(error: unknown): void {
    this.dropping = true;
    const notice = Buffer.from(
      `log lines are being dropped: writing to fd ${this.fd} failed: ${(error as Error).message}\n`,
    );
    try {
      this.writeBytes(2, notice, 0, notice.length);
    } catch {
      // stderr is gone as well: nothing is left to tell.
    }
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
