import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';

/** cgroup v1 and v2 spell "no limit" as a huge number or "max". */
const NO_LIMIT = 2 ** 60;

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Where the kernel says which cgroups a process is in, and where the cgroup file systems are. */
export interface CgroupFiles {
  procSelfCgroup: string;
  root: string;
}

const SYSTEM_CGROUP_FILES: CgroupFiles = { procSelfCgroup: '/proc/self/cgroup', root: '/sys/fs/cgroup' };

/** The cgroup of this process per controller ("" for v2's unified hierarchy), from /proc/self/cgroup. */
export function ownCgroups(procSelfCgroup = SYSTEM_CGROUP_FILES.procSelfCgroup): Map<string, string> {
  const groups = new Map<string, string>();
  for (const line of (read(procSelfCgroup) ?? '').split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === undefined || path === undefined) continue;
    for (const controller of controllers.split(',')) groups.set(controller, path);
  }
  return groups;
}

/** The smallest value a cgroup file holds on the way from this process's cgroup up to the root. */
function smallestUpward(
  base: string,
  path: string,
  parse: (dir: string) => number | undefined,
): number | undefined {
  let smallest: number | undefined;
  for (let dir = path; ; dir = dir.slice(0, dir.lastIndexOf('/')) || '/') {
    const value = parse(`${base}${dir === '/' ? '' : dir}`);
    if (value !== undefined && (smallest === undefined || value < smallest)) smallest = value;
    if (dir === '/') return smallest;
  }
}

/**
 * The CPUs this process may use: its affinity, and the CPU quota of its cgroup, v1 (where the cpu
 * controller is, also beside a v2 hierarchy in hybrid mode) or v2. Node's availableParallelism()
 * counts the quota itself in some set-ups (v2 in `make test-cgroup-v2`), not in others (v1 here).
 */
export function cpuLimit(
  files: CgroupFiles = SYSTEM_CGROUP_FILES,
  cpus: number = availableParallelism(),
): number {
  const groups = ownCgroups(files.procSelfCgroup);
  const v1 = groups.get('cpu');
  const quota =
    v1 !== undefined
      ? // <root>/cpu is the hierarchy, or a link to cpu,cpuacct.
        smallestUpward(`${files.root}/cpu`, v1, (dir) => {
          const max = Number(read(`${dir}/cpu.cfs_quota_us`));
          const period = Number(read(`${dir}/cpu.cfs_period_us`));
          return max > 0 && period > 0 ? max / period : undefined;
        })
      : smallestUpward(files.root, groups.get('') ?? '/', (dir) => {
          // "max 100000" is no limit, and reads as NaN.
          const [max, period] = (read(`${dir}/cpu.max`) ?? '').split(' ');
          const cores = Number(max) / Number(period);
          return cores > 0 && Number.isFinite(cores) ? cores : undefined;
        });
  return quota === undefined ? cpus : Math.max(1, Math.min(cpus, Math.floor(quota)));
}

/**
 * The memory this process may use: its cgroup's limit (v1 or v2), or without one V8's heap limit,
 * which Node sizes from the machine's memory.
 */
export function memoryLimitBytes(): number {
  const constrained = process.constrainedMemory();
  if (constrained > 0 && constrained < NO_LIMIT) return constrained;
  return getHeapStatistics().heap_size_limit;
}
