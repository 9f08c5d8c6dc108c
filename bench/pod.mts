// The pod scenarios of make bench: the same servers in a memory cgroup with the chart's memory
// limit, where Node sizes V8's heap from that limit as it does in the pod.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { podCgroup, ROOT } from './servers.mts';
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

/** The chart's default memory limit in MiB (helm/httpserver/values.yaml, resources.limits.memory). */
const CHART_MEMORY_LIMIT_MIB = (() => {
  const values = parse(readFileSync(join(ROOT, 'helm/httpserver/values.yaml'), 'utf8')) as {
    resources: { limits: { memory: string } };
  };
  const match = /^(\d+)Mi$/.exec(values.resources.limits.memory);
  if (match === null)
    throw new Error(`resources.limits.memory is not in Mi: ${values.resources.limits.memory}`);
  return Number(match[1]);
})();

/** Without the image's NODE_OPTIONS, V8 sizes its heap by itself: from the memory limit, in a pod. */
const NODE_OPTIONS_UNSET = { NODE_OPTIONS: '' };

/** The pod scenarios: what runs in a memory cgroup of the chart's limit; undefined where none can be made. */
export interface Pod {
  limitMiB: number;
  rows: Row[];
  busyRows: Concurrency[];
}

/**
 * The same scenarios in a memory cgroup with the chart's memory limit, where Node sizes V8's heap
 * from that limit as it does in the pod: httpserver with and without the image's NODE_OPTIONS, and
 * the ceilings that bound it (with Node's defaults). The CPU stays one pinned core, not the chart's
 * CPU limit.
 */
export async function inPod(
  features: NodeJS.ProcessEnv,
  delayed: NodeJS.ProcessEnv,
): Promise<Pod | undefined> {
  const limitMiB = CHART_MEMORY_LIMIT_MIB;
  const cgroup = podCgroup(limitMiB);
  if (cgroup === undefined) {
    console.log(`pod: no memory cgroup can be made here (needs root and writable cgroups); skipped`);
    return undefined;
  }
  console.log(`pod: the same in a ${limitMiB} MiB memory cgroup (the chart's limit)`);
  try {
    const httpserver = (env: NodeJS.ProcessEnv): NamedSide => ({
      name: '(c) httpserver',
      args: ['dist/main.js'],
      env,
    });
    const unset = (env: NodeJS.ProcessEnv): NamedSide => ({
      name: "(c) httpserver, NODE_OPTIONS unset (V8's own sizing)",
      args: ['dist/main.js'],
      env: { ...env, ...NODE_OPTIONS_UNSET },
    });
    const rows = [
      await throughput(CEILINGS.nestHello, cgroup.procs),
      await throughput(httpserver(features), cgroup.procs),
      await throughput(unset(features), cgroup.procs),
    ];
    const busyRows = [
      await concurrency(CEILINGS.delayed.bareHttp, FIXTURE_MEASURES, cgroup.procs),
      await concurrency(CEILINGS.delayed.nestInterceptor, FIXTURE_MEASURES, cgroup.procs),
      await concurrency(httpserver(delayed), HTTPSERVER_MEASURES, cgroup.procs),
      await concurrency(unset(delayed), HTTPSERVER_MEASURES, cgroup.procs),
    ];
    return { limitMiB, rows, busyRows };
  } finally {
    cgroup.remove();
  }
}

export function podTables(pod: Pod | undefined): string[] {
  if (pod === undefined)
    return ["In a memory cgroup of the chart's limit: skipped (none can be made here).", ''];
  const [b, c] = pod.rows as [Row, Row, Row];
  return [
    `In a ${pod.limitMiB} MiB memory cgroup (the chart's memory limit), 50 connections:`,
    '',
    ...throughputTable(pod.rows, [['c/b throughput', fmt(c.rps / b.rps, 2), '', '', '', '', '', '']]),
    '',
    ...concurrencyTable(`${CONCURRENT_CONNECTIONS} connections, in ${pod.limitMiB} MiB`, pod.busyRows),
    '',
  ];
}
