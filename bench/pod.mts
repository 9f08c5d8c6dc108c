// BENCH_FULL=1: the image's NODE_OPTIONS against V8's own heap sizing, in a cgroup shaped like the
// chart's pod, where Node sizes V8's heap from the memory limit as it does in the pod.
import { makePodCgroup } from '../test/support/pod-cgroup.ts';
import { CHART_LIMITS } from './capacity.mts';
import { concurrencyTable, throughputTable } from './markdown.mts';
import {
  CEILINGS,
  CONCURRENT_CONNECTIONS,
  concurrency,
  FIXTURE_MEASURES,
  fmt,
  HTTPSERVER_MEASURES,
  throughput,
  type Concurrency,
  type NamedSide,
  type Row,
} from './scenarios.mts';
import { HTTPSERVER_SCRIPT } from './servers.mts';

/** Without the image's NODE_OPTIONS, V8 sizes its heap by itself: from the memory limit, in a pod. */
const NODE_OPTIONS_UNSET = { NODE_OPTIONS: '' };

/** The pod scenarios: what runs in a memory cgroup of the chart's limit; undefined where none can be made. */
export interface Pod {
  limitMiB: number;
  rows: Row[];
  busyRows: Concurrency[];
}

/**
 * httpserver with and without the image's NODE_OPTIONS in the pod-shaped cgroup, and the ceilings
 * that bound it (with Node's defaults), at 50 connections and at 2000 delayed ones.
 */
export async function inPod(
  features: NodeJS.ProcessEnv,
  delayed: NodeJS.ProcessEnv,
): Promise<Pod | undefined> {
  const { memoryMiB: limitMiB, cpus } = CHART_LIMITS;
  const cgroup = makePodCgroup(limitMiB, cpus);
  if (typeof cgroup === 'string') {
    console.log(`pod: ${cgroup}; skipped`);
    return undefined;
  }
  console.log(`pod: NODE_OPTIONS, in a cgroup of ${limitMiB} MiB and ${cpus} CPU (the chart's limits)`);
  try {
    const httpserver = (env: NodeJS.ProcessEnv): NamedSide => ({
      name: '(c) httpserver',
      args: [HTTPSERVER_SCRIPT],
      env,
    });
    const unset = (env: NodeJS.ProcessEnv): NamedSide => ({
      name: "(c) httpserver, NODE_OPTIONS unset (V8's own sizing)",
      args: [HTTPSERVER_SCRIPT],
      env: { ...env, ...NODE_OPTIONS_UNSET },
    });
    const rows = [
      await throughput(CEILINGS.nestHello, cgroup.procs),
      await throughput(httpserver(features), cgroup.procs),
      await throughput(unset(features), cgroup.procs),
    ];
    const inCgroup = { cgroupProcs: cgroup.procs };
    const busyRows = [
      await concurrency(CEILINGS.delayed.bareHttp, FIXTURE_MEASURES, inCgroup),
      await concurrency(httpserver(delayed), HTTPSERVER_MEASURES, inCgroup),
      await concurrency(unset(delayed), HTTPSERVER_MEASURES, inCgroup),
    ];
    return { limitMiB, rows, busyRows };
  } finally {
    cgroup.remove();
  }
}

export function podTables(pod: Pod | undefined): string[] {
  if (pod === undefined) return ["In a cgroup of the chart's limits: skipped (none can be made here).", ''];
  const [b, c] = pod.rows as [Row, Row, Row];
  return [
    `In a cgroup of the chart's limits (${pod.limitMiB} MiB), 50 connections:`,
    '',
    ...throughputTable(pod.rows, [['c/b throughput', fmt(c.rps / b.rps, 2), '', '', '', '', '', '']]),
    '',
    ...concurrencyTable(`${CONCURRENT_CONNECTIONS} connections, in ${pod.limitMiB} MiB`, pod.busyRows),
    '',
  ];
}
