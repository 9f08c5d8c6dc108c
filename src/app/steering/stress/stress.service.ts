import { BadRequestException, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Worker } from 'node:worker_threads';
import { LifecycleState } from '../../../common/lifecycle/lifecycle-state';
import { startCpuBurner, startMemoryHolder } from './load-workers';
import { cpuLimit, memoryLimitBytes } from './process-limits';

const MiB = 1024 * 1024;
/** The longest load one request may ask for. */
export const MAX_STRESS_SECONDS = 3600;
/**
 * Memory stress may bring the process up to this share of what it may use (its cgroup's limit,
 * or V8's heap limit without one), so the load it asks for never gets the pod OOM-killed.
 */
const MEMORY_SHARE = 0.75;

interface Load {
  workers: Worker[];
  timer: NodeJS.Timeout;
  until: Date;
}

export interface StressState {
  cpu: { cores: number; until: string } | null;
  memory: { mib: number; until: string } | null;
  /** What a request may ask for now. */
  limits: { cores: number; mib: number };
}

/**
 * CPU and memory load on demand (POST /stress/cpu, /stress/memory), in worker threads so that the
 * event loop keeps answering probes and requests. A new load of a kind replaces the running one;
 * each ends on its own, on DELETE /stress, and the moment shutdown begins.
 */
@Injectable()
export class StressService implements OnModuleDestroy {
  private cpu: (Load & { cores: number }) | undefined;
  private memory: (Load & { mib: number }) | undefined;
  /** One memory request at a time: the budget depends on what is held when it starts. */
  private memoryRequest: Promise<unknown> = Promise.resolve();

  constructor(lifecycle: LifecycleState) {
    lifecycle.whenShuttingDown(() => void this.stopAll());
  }

  /** Busy cores right now, for the gauge. */
  get cpuCores(): number {
    return this.cpu?.cores ?? 0;
  }

  /** Bytes held right now, for the gauge. */
  get memoryBytes(): number {
    return (this.memory?.mib ?? 0) * MiB;
  }

  startCpu(cores: number, seconds: number): StressState {
    const limit = cpuLimit();
    if (!Number.isInteger(cores) || cores < 1 || cores > limit) {
      throw new BadRequestException(
        `cores must be an integer from 1 to ${limit} (the CPUs this process may use)`,
      );
    }
    checkSeconds(seconds);
    this.stopCpu();
    const workers = Array.from({ length: cores }, startCpuBurner);
    this.cpu = { cores, workers, ...this.ending(seconds, () => this.stopCpu()) };
    return this.state();
  }

  startMemory(mib: number, seconds: number): Promise<StressState> {
    checkSeconds(seconds);
    const started = this.memoryRequest.then(() => this.replaceMemory(mib, seconds));
    this.memoryRequest = started.catch(() => undefined);
    return started;
  }

  private async replaceMemory(mib: number, seconds: number): Promise<StressState> {
    // The load being replaced is released first, so it does not count against the new one.
    await this.releaseMemory();
    const limit = this.memoryBudgetMiB();
    if (!Number.isInteger(mib) || mib < 1 || mib > limit) {
      throw new BadRequestException(
        `mib must be an integer from 1 to ${limit}: at most ${MEMORY_SHARE * 100}% of the memory this process may use, less what it uses now`,
      );
    }
    const worker = await startMemoryHolder(mib);
    this.memory = { mib, workers: [worker], ...this.ending(seconds, () => void this.releaseMemory()) };
    return this.state();
  }

  async stopAll(): Promise<StressState> {
    this.stopCpu();
    await this.releaseMemory();
    return this.state();
  }

  state(): StressState {
    return {
      cpu: this.cpu ? { cores: this.cpu.cores, until: this.cpu.until.toISOString() } : null,
      memory: this.memory ? { mib: this.memory.mib, until: this.memory.until.toISOString() } : null,
      limits: { cores: cpuLimit(), mib: this.memoryBudgetMiB() },
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.stopAll();
  }

  private memoryBudgetMiB(): number {
    const usable = memoryLimitBytes() * MEMORY_SHARE - process.memoryUsage.rss();
    return Math.max(0, Math.floor(usable / MiB));
  }

  private ending(seconds: number, stop: () => void): { timer: NodeJS.Timeout; until: Date } {
    const timer = setTimeout(stop, seconds * 1000);
    timer.unref();
    return { timer, until: new Date(Date.now() + seconds * 1000) };
  }

  private stopCpu(): void {
    if (this.cpu === undefined) return;
    clearTimeout(this.cpu.timer);
    for (const worker of this.cpu.workers) void worker.terminate();
    this.cpu = undefined;
  }

  /** Resolves once the memory is back with the system: terminating the worker frees it. */
  private async releaseMemory(): Promise<void> {
    const memory = this.memory;
    if (memory === undefined) return;
    this.memory = undefined;
    clearTimeout(memory.timer);
    await Promise.all(memory.workers.map((worker) => worker.terminate()));
  }
}

function checkSeconds(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_STRESS_SECONDS) {
    throw new BadRequestException(`seconds must be an integer from 1 to ${MAX_STRESS_SECONDS}`);
  }
}
