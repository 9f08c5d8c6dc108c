import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ownCgroups } from '../../src/app/steering/stress/process-limits.ts';

/** A cgroup shaped like a pod: a memory limit and a CPU quota, in v1 or v2. */
export interface PodCgroup {
  version: 'v1' | 'v2';
  /** The cgroup.procs files a process joins (v1: one per hierarchy). */
  procs: string[];
  remove(): void;
}

/** How many cgroups this process has made. */
let cgroupsMade = 0;

/**
 * Makes a child cgroup of this process's own with `memoryMiB` and `cpus` (a quota, like 0.5 for
 * 500m), or answers why it cannot (not root, cgroups read-only) so the caller can say so.
 */
export function makePodCgroup(memoryMiB: number, cpus: number): PodCgroup | string {
  const groups = ownCgroups();
  // Numbered, so that two made in one millisecond are two.
  const name = `httpserver-test-${process.pid}-${Date.now()}-${++cgroupsMade}`;
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
      return { version: 'v1', procs: [join(memory, 'cgroup.procs'), join(cpu, 'cgroup.procs')], remove };
    }
    const parent = join('/sys/fs/cgroup', groups.get('') ?? '/');
    enableControllers(parent, ['memory', 'cpu']);
    const dir = join(parent, name);
    mkdirSync(dir);
    made.push(dir);
    writeFileSync(join(dir, 'memory.max'), String(memoryMiB * 1024 * 1024));
    // A pod gets no swap (Kubernetes' default); without this v2 would swap past memory.max.
    if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
    writeFileSync(join(dir, 'cpu.max'), `${Math.round(cpus * period)} ${period}`);
    return { version: 'v2', procs: [join(dir, 'cgroup.procs')], remove };
  } catch (error) {
    remove();
    return `no pod-shaped cgroup can be made here: ${(error as Error).message}`;
  }
}

/**
 * `count` pod-shaped cgroups, one per process to be measured side by side, or why they cannot be
 * made; none is left behind when one fails.
 */
export function makePodCgroups(count: number, memoryMiB: number, cpus: number): PodCgroup[] | string {
  const cgroups: PodCgroup[] = [];
  for (let i = 0; i < count; i++) {
    const cgroup = makePodCgroup(memoryMiB, cpus);
    if (typeof cgroup === 'string') {
      for (const made of cgroups) made.remove();
      return cgroup;
    }
    cgroups.push(cgroup);
  }
  return cgroups;
}

/**
 * `command` run in a pod-shaped cgroup: a shell joins each of `procs` (one per v1 hierarchy), then
 * execs the command, so that Node reads the limits at start-up, as it does in a pod. With no
 * `procs`, `command` as it is.
 */
export function commandInCgroup(procs: readonly string[], command: readonly string[]): string[] {
  if (procs.length === 0) return [...command];
  const joinThenExec = [
    ...procs.map((_, i) => `echo $$ > "$${i + 1}"`),
    `shift ${procs.length}`,
    'exec "$@"',
  ];
  return ['sh', '-c', joinThenExec.join(' && '), 'join-cgroups', ...procs, ...command];
}

/**
 * cgroup v2 gives a child only the controllers its parent enables for its children. The root may
 * enable them; any other cgroup only if it holds no process itself, as when they are delegated.
 */
function enableControllers(parent: string, controllers: string[]): void {
  const file = join(parent, 'cgroup.subtree_control');
  const enabled = readFileSync(file, 'utf8').trim().split(' ');
  const missing = controllers.filter((c) => !enabled.includes(c));
  if (missing.length === 0) return;
  try {
    writeFileSync(file, missing.map((c) => `+${c}`).join(' '));
  } catch (error) {
    throw new Error(
      `cgroup v2: ${missing.join(' and ')} cannot be enabled in ${file} (${(error as Error).message}); ` +
        'run from a cgroup they are delegated to',
      { cause: error },
    );
  }
}
