// make bench-cgroup-v2's report: the capacity ladders bench/cgroup-capacity.mts wrote, one per boot
// of the virtual machine (cgroup v1 and v2 in turn), side by side; printed and written to
// bench/results/cgroup-versions.md and .json.
// Usage: cgroup-versions.mts <boot.json> ...   (in boot order)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { busiestPassing, CAPACITY_OVERHEAD_P99_MS } from './capacity.mts';
import type { CgroupCapacity } from './cgroup-capacity.mts';
import { concurrencyTable, table } from './markdown.mts';
import { fmt, median, RESULTS, type Concurrency } from './scenarios.mts';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: cgroup-versions.mts <boot.json> ...');
  process.exit(2);
}
const boots = files.map((file) => JSON.parse(readFileSync(file, 'utf8')) as CgroupCapacity);
const label = (boot: CgroupCapacity, i: number): string => `boot ${i + 1}, cgroup ${boot.version}`;

/** The step of `connections` in every boot of one version, in boot order. */
const stepsAt = (version: 'v1' | 'v2', connections: number): (Concurrency | undefined)[] =>
  boots
    .filter((boot) => boot.version === version)
    .map((boot) => boot.steps.find((s) => s.connections === connections));

/** Each step's rate and overhead p99 in every boot of one version, as "req/s (p99 ms)". */
function stepCells(version: 'v1' | 'v2', connections: number): string {
  return stepsAt(version, connections)
    .map((s) => (s === undefined ? 'n/a' : `${fmt(s.rps)} (${fmt(s.overheadP99Ms)})`))
    .join(', ');
}

/** v2's rate over v1's at one step: the median over pairs of boots, in boot order. */
function rateRatio(connections: number): string {
  const v1 = stepsAt('v1', connections).map((s) => s?.rps ?? Number.NaN);
  const v2 = stepsAt('v2', connections).map((s) => s?.rps ?? Number.NaN);
  const ratios = v1.slice(0, v2.length).map((r, i) => v2[i]! / r);
  return ratios.length === 0 ? 'n/a' : fmt(median(ratios), 2);
}

const connections = [...new Set(boots.flatMap((boot) => boot.steps.map((s) => s.connections)))].sort(
  (a, b) => a - b,
);
const { memory, cpu } = boots[0]!.limits;
/** The step with the most requests answered: under the quota, what the pod holds at most. */
const busiest = (boot: CgroupCapacity): Concurrency =>
  boot.steps.reduce((most, step) => (step.rps > most.rps ? step : most));
const lines = [
  `# make bench-cgroup-v2, ${new Date().toISOString()}`,
  '',
  ...(process.env.CAPACITY_KERNEL_ARGS
    ? [`The guest's kernel also had: ${process.env.CAPACITY_KERNEL_ARGS}.`, '']
    : []),
  `One pod (${memory}, ${cpu} CPU, delay 0-2 s) in a virtual machine booted with cgroup v1 and with v2 in turn.`,
  `Emulated, so only the versions' ratio means anything. Capacity: the busiest step with 0 errors and an overhead p99 under ${CAPACITY_OVERHEAD_P99_MS} ms.`,
  '',
  ...table(
    ['boot', 'most req/s (connections)', 'CPU there (cores)', 'CPU per request ms', 'capacity'],
    boots.map((boot, i) => {
      const most = busiest(boot);
      const capacity = busiestPassing(boot.steps);
      return [
        label(boot, i),
        `${fmt(most.rps)} (${most.connections})`,
        fmt(most.cpuCores, 2),
        fmt((most.cpuCores * 1000) / most.rps, 1),
        capacity === undefined
          ? 'none'
          : `${fmt(capacity.rps)} req/s at ${capacity.connections} connections (overhead p99 ${fmt(capacity.overheadP99Ms)} ms)`,
      ];
    }),
  ),
  '',
  ...table(
    ['connections', 'v1: req/s (overhead p99 ms), each boot', 'v2: the same', 'v2/v1 req/s, median'],
    connections.map((c) => [c, stepCells('v1', c), stepCells('v2', c), rateRatio(c)]),
  ),
  '',
  ...concurrencyTable(
    'boot',
    boots.flatMap((boot, i) => boot.steps.map((s) => ({ ...s, server: label(boot, i) }))),
  ),
];
const report = lines.join('\n');
console.log(report);
writeFileSync(join(RESULTS, 'cgroup-versions.md'), `${report}\n`);
writeFileSync(join(RESULTS, 'cgroup-versions.json'), `${JSON.stringify({ boots }, null, 2)}\n`);
