// One pod's capacity ladder in whichever cgroup version this machine mounts, written as one JSON
// file. make bench-cgroup-v2 runs it in a virtual machine booted once with cgroup v1 and once with
// v2 (scripts/vm/cgroup-v2.sh --capacity), and bench/cgroup-versions.mts compares the boots.
// Usage: cgroup-capacity.mts <output.json> <connections,...> <seconds per step>
import { writeFileSync } from 'node:fs';
import { makePodCgroup } from '../test/support/pod-cgroup.ts';
import { CHART_LIMITS, loadSteps, POD_DELAYED_ENV } from './capacity.mts';
import type { Concurrency } from './scenarios.mts';

/** What one boot measured. */
export interface CgroupCapacity {
  version: 'v1' | 'v2';
  limits: { memory: string; cpu: string };
  steps: Concurrency[];
}

const [output, connectionList, secondsText] = process.argv.slice(2);
const connections = (connectionList ?? '').split(',').map(Number);
const seconds = Number(secondsText);
if (output === undefined || !connections.every((c) => c > 0) || !(seconds > 0)) {
  console.error('usage: cgroup-capacity.mts <output.json> <connections,...> <seconds per step>');
  process.exit(2);
}

const { memoryMiB, cpus, memory, cpu } = CHART_LIMITS;
const cgroup = makePodCgroup(memoryMiB, cpus);
if (typeof cgroup === 'string') throw new Error(cgroup);
try {
  console.log(
    `capacity: cgroup ${cgroup.version}, ${memory} and ${cpu} CPU, ${connections.join(', ')} connections`,
  );
  const steps = await loadSteps(POD_DELAYED_ENV, cgroup.procs, connections, seconds);
  const result: CgroupCapacity = { version: cgroup.version, limits: { memory, cpu }, steps };
  writeFileSync(output, JSON.stringify(result));
} finally {
  cgroup.remove();
}
