import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A cgroup shaped like a pod: a memory limit and a CPU quota, in v1 or v2. */
export interface PodCgroup {
  /** The cgroup.procs files a process joins (v1: one per hierarchy). */
  procs: string[];
  remove(): void;
}

/** Where this process's cgroup is, per controller ("" for v2). */
function ownCgroups(): Map<string, string> {
  const groups = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === undefined || path === undefined) continue;
    for (const controller of controllers.split(',')) groups.set(controller, path);
  }
  return groups;
}

/**
 * Makes a child cgroup of this process's own with `memoryMiB` and `cpus` (a quota, like 0.5 for
 * 500m), or answers why it cannot (not root, cgroups read-only) so the caller can say so.
 */
export function makePodCgroup(memoryMiB: number, cpus: number): PodCgroup | string {
  const groups = ownCgroups();
  const name = `httpserver-test-${process.pid}-${Date.now()}`;
  const made: string[] = [];
  const remove = (): void => {
    for (const dir of made.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // A process still in it keeps it; the next boot clears it.
      }
    }
  };
  const period = 100_000;
  try {
    if (groups.has('memory') && groups.has('cpu')) {
      const memory = join('/sys/fs/cgroup/memory', groups.get('memory') as string, name);
      const cpu = join('/sys/fs/cgroup/cpu', groups.get('cpu') as string, name);
      mkdirSync(memory);
      made.push(memory);
      mkdirSync(cpu);
      made.push(cpu);
      writeFileSync(join(memory, 'memory.limit_in_bytes'), String(memoryMiB * 1024 * 1024));
      writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(period));
      writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(Math.round(cpus * period)));
      return { procs: [join(memory, 'cgroup.procs'), join(cpu, 'cgroup.procs')], remove };
    }
    const dir = join('/sys/fs/cgroup', groups.get('') ?? '/', name);
    mkdirSync(dir);
    made.push(dir);
    writeFileSync(join(dir, 'memory.max'), String(memoryMiB * 1024 * 1024));
    writeFileSync(join(dir, 'cpu.max'), `${Math.round(cpus * period)} ${period}`);
    return { procs: [join(dir, 'cgroup.procs')], remove };
  } catch (error) {
    remove();
    return `no pod-shaped cgroup can be made here: ${(error as Error).message}`;
  }
}
