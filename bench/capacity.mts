// The capacity of one pod: httpserver in a cgroup shaped like the chart's pod (its memory limit and
// CPU quota, cgroup v1 or v2) with the default 0-2 s delay, under more and more delayed
// connections; and at 2000 connections against the design's floor (b'), both loaded at once, each
// in a cgroup of that shape.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { makePodCgroups, type PodCgroup } from '../test/support/pod-cgroup.ts';
import {
  CEILINGS,
  CONCURRENT_CONNECTIONS,
  concurrency,
  concurrentLoads,
  FIXTURE_MEASURES,
  HTTPSERVER_MEASURES,
  underFlags,
  type Concurrency,
  type NamedSide,
} from './scenarios.mts';
import { HTTPSERVER_SCRIPT, IMAGE_NODE_OPTIONS, ROOT } from './servers.mts';

/** httpserver as a pod runs it: the default 0-2 s delay and the image's NODE_OPTIONS. */
export const POD_DELAYED_ENV: NodeJS.ProcessEnv = {
  DELAY_MIN_MS: '0',
  DELAY_MAX_MS: '2000',
  NODE_OPTIONS: IMAGE_NODE_OPTIONS,
};

/** The overhead p99 a pod may reach at its capacity: above it, requests queue for the CPU. */
export const CAPACITY_OVERHEAD_P99_MS = 100;

/**
 * Steps the memory slope needs: a line through two says nothing of their noise, and on a slow host
 * the two were 375 and 500 connections, about 5 MiB apart in expectation, and read -6.7 KiB.
 */
export const SLOPE_STEPS = 3;

/**
 * The chart's defaults (helm/httpserver/values.yaml): resources.limits give the pod's shape, and
 * the HPA's CPU target is checked against the pod's capacity.
 */
export const CHART_LIMITS = (() => {
  const values = parse(readFileSync(join(ROOT, 'helm/httpserver/values.yaml'), 'utf8')) as {
    resources: { limits: { memory: string; cpu: string }; requests: { cpu: string } };
    autoscaling: { targetCPUUtilizationPercentage: number };
  };
  const { memory, cpu } = values.resources.limits;
  const requestCpus = cores(values.resources.requests.cpu);
  const hpaCpuPercent = values.autoscaling.targetCPUUtilizationPercentage;
  const memoryMiB = Number(/^(\d+)Mi$/.exec(memory)?.[1]);
  const cpus = cores(cpu);
  if (!(memoryMiB > 0 && cpus > 0 && requestCpus > 0)) {
    throw new Error(`resources not understood: ${memory}, ${cpu}`);
  }
  return { memoryMiB, cpus, memory, cpu, requestCpus, hpaCpuPercent };
})();

function cores(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

export interface Capacity {
  limits: { memory: string; cpu: string };
  /** The delay range every step ran with, as "0-2 s". */
  delay: string;
  cgroup: 'v1' | 'v2';
  /** One load step per connection count, in order. */
  steps: Concurrency[];
  /** The busiest step with 0 errors and overhead p99 under CAPACITY_OVERHEAD_P99_MS. */
  capacity: Concurrency | undefined;
  /**
   * Peak RSS per waiting request: the slope of peak RSS over the connections of the steps the
   * process kept up with (each holds one request); undefined when fewer than SLOPE_STEPS did, or
   * when peak RSS did not grow over them (noise).
   */
  kibPerWaitingRequest: number | undefined;
  /** How many steps the process kept up with, the points of that slope. */
  keptUpSteps: number;
  /** At 2000 connections, the floor (b') and httpserver (c). */
  floor: Concurrency;
  service: Concurrency;
}

/** Least squares slope of y over x; undefined with fewer than two distinct x. */
function slope(points: readonly { x: number; y: number }[]): number | undefined {
  const n = points.length;
  if (new Set(points.map((p) => p.x)).size < 2) return undefined;
  const mx = points.reduce((sum, p) => sum + p.x, 0) / n;
  const my = points.reduce((sum, p) => sum + p.y, 0) / n;
  const num = points.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
  return num / den;
}

/** The delay range `delayed` sets; both bounds are required, since the slope below depends on their mean. */
function delayRangeMs(delayed: NodeJS.ProcessEnv): { minMs: number; maxMs: number } {
  const minMs = Number(delayed.DELAY_MIN_MS);
  const maxMs = Number(delayed.DELAY_MAX_MS);
  if (!Number.isFinite(minMs) || !Number.isFinite(maxMs) || maxMs <= 0) {
    throw new Error('podCapacity needs DELAY_MIN_MS and DELAY_MAX_MS (a delay that is on)');
  }
  return { minMs, maxMs };
}

const delayedHttpserver = (delayed: NodeJS.ProcessEnv): NamedSide => ({
  name: '(c) httpserver',
  args: [HTTPSERVER_SCRIPT],
  env: delayed,
});

/** httpserver with the delay in the cgroup of `cgroupProcs`, started afresh for each step. */
export async function loadSteps(
  delayed: NodeJS.ProcessEnv,
  cgroupProcs: readonly string[],
  connections: readonly number[],
  seconds: number,
): Promise<Concurrency[]> {
  const steps: Concurrency[] = [];
  for (const count of connections) {
    steps.push(
      await concurrency(delayedHttpserver(delayed), HTTPSERVER_MEASURES, {
        cgroupProcs,
        seconds,
        connections: count,
      }),
    );
  }
  return steps;
}

/** The busiest step with 0 errors and an overhead p99 under CAPACITY_OVERHEAD_P99_MS: the capacity. */
export function busiestPassing(steps: readonly Concurrency[]): Concurrency | undefined {
  const passing = steps.filter((s) => s.errors === 0 && s.overheadP99Ms < CAPACITY_OVERHEAD_P99_MS);
  return passing.sort((a, b) => b.rps - a.rps)[0];
}

export async function podCapacity(
  delayed: NodeJS.ProcessEnv,
  {
    connections,
    seconds,
    comparisonSeconds,
  }: { connections: readonly number[]; seconds: number; comparisonSeconds: number },
): Promise<Capacity | undefined> {
  const { memoryMiB, cpus, memory, cpu } = CHART_LIMITS;
  const { minMs, maxMs } = delayRangeMs(delayed);
  // The floor gets a pod of its own: at 2000 connections it runs at the same time as httpserver.
  const cgroups = makePodCgroups(2, memoryMiB, cpus);
  if (typeof cgroups === 'string') {
    console.log(`pod: ${cgroups}; skipped`);
    return undefined;
  }
  const [cgroup, floorCgroup] = cgroups as [PodCgroup, PodCgroup];
  const { version } = cgroup;
  // A process that keeps up answers each connection once per mean delay.
  const meanDelayS = (minMs + maxMs) / 2 / 1000;
  const delay = `${minMs / 1000}-${maxMs / 1000} s`;
  console.log(`pod: a cgroup ${version} with the chart's limits, ${memory} and ${cpu} CPU, delay ${delay}`);
  try {
    const httpserver = delayedHttpserver(delayed);
    const inPod = { cgroupProcs: cgroup.procs };
    const counts = connections.filter((c) => c !== CONCURRENT_CONNECTIONS);
    const steps = await loadSteps(delayed, cgroup.procs, counts, seconds);
    // At 2000 connections httpserver and the floor run at once, each in its pod, so that the ratio
    // of their p99s holds none of the host's drift between two runs.
    const compared = { seconds: comparisonSeconds, connections: CONCURRENT_CONNECTIONS };
    const floorSide = underFlags(CEILINGS.delayed.nestInterceptor, delayed.NODE_OPTIONS);
    const [service, floor] = (await concurrentLoads([
      { side: httpserver, measures: HTTPSERVER_MEASURES, options: { ...inPod, ...compared } },
      {
        side: floorSide,
        measures: FIXTURE_MEASURES,
        options: { cgroupProcs: floorCgroup.procs, ...compared },
      },
    ])) as [Concurrency, Concurrency];
    steps.push(service);
    steps.sort((a, b) => a.connections - b.connections);
    const capacity = busiestPassing(steps);
    // Only steps the process kept up with (0 errors, 90% of a request per connection and mean delay):
    // past saturation connections wait unaccepted in the kernel, holding no process memory, and
    // would flatten the slope; an overloaded process sheds keep-alive, so errors alone no longer
    // tell (OVERLOAD_LAG_MS).
    const keptUp = steps.filter((s) => s.errors === 0 && s.rps >= (0.9 * s.connections) / meanDelayS);
    const mibPerConnection =
      keptUp.length < SLOPE_STEPS
        ? undefined
        : slope(keptUp.map((s) => ({ x: s.connections, y: s.peakRssMiB })));
    return {
      limits: { memory, cpu },
      delay,
      cgroup: version,
      steps,
      capacity,
      kibPerWaitingRequest:
        mibPerConnection === undefined || mibPerConnection <= 0 ? undefined : mibPerConnection * 1024,
      keptUpSteps: keptUp.length,
      floor,
      service,
    };
  } finally {
    for (const made of cgroups) made.remove();
  }
}
