// make bench: httpserver against its ceilings, side by side in one run. See README "Performance".
// Each server starts fresh, pinned to core 0; wrk runs on core 1. Every run is bounded in time.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import {
  CHART_MEMORY_LIMIT_MIB,
  cpuSeconds,
  IMAGE_NODE_OPTIONS,
  peakRssMiB,
  pidOf,
  podCgroup,
  ROOT,
  rssMiB,
  sleep,
  start,
  stop,
  TWO_CORES,
  wrk,
  type Sample,
  type Server,
} from './servers.mts';

const RESULTS = join(ROOT, 'bench', 'results');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = 3;
const CONNECTIONS = 50;
/** httpserver runs with the image's NODE_OPTIONS, as it does in its container. */
const AS_SHIPPED = { NODE_OPTIONS: IMAGE_NODE_OPTIONS };
/** ... and without them, so V8 sizes its heap by itself (from the memory limit, in a pod). */
const NODE_OPTIONS_UNSET = { NODE_OPTIONS: '' };

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

interface Row {
  server: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuCores: number;
  peakRssMiB: number;
  idleRssMiB: number;
  errors: number;
}

/** Warm-up, then RUNS runs; medians. `cgroupProcs`: start the server in that memory cgroup. */
async function throughput(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  cgroupProcs?: string,
): Promise<Row> {
  const server = await start(name, args, env, { cgroupProcs });
  const pid = pidOf(server);
  await sleep(500);
  const idleRssMiB = rssMiB(pid);
  wrk(server.port, WARMUP_SECONDS, CONNECTIONS);
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  const samples = Array.from({ length: RUNS }, () => wrk(server.port, SECONDS, CONNECTIONS));
  const cpuCores = (cpuSeconds(pid) - cpuBefore) / ((performance.now() - started) / 1000);
  const row: Row = {
    server: name,
    rps: median(samples.map((s) => s.rps)),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    cpuCores,
    peakRssMiB: peakRssMiB(pid),
    idleRssMiB,
    errors: samples.reduce((sum, s) => sum + s.errors, 0),
  };
  await stop(server);
  console.log(`  ${name}: ${row.rps.toFixed(0)} req/s, p99 ${row.p99Ms.toFixed(1)} ms`);
  return row;
}

/** A sink for (d): accepts OTLP exports and discards them. */
function startSink(): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${address.port}`, close: () => server.close() });
    });
  });
}

interface Concurrency {
  server: string;
  requests: number;
  errors: number;
  overheadP50Ms: number;
  overheadP99Ms: number;
  peakRssMiB: number;
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
}

/** What a server under the concurrency load reports about itself once wrk is done. */
interface DelayReport {
  overheadsMs: number[];
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
}

const CONCURRENT_CONNECTIONS = 2000;
const CONCURRENT_SECONDS = 20;

/** How a server under the concurrency load is measured: `reset` right before the load, `report` after it. */
interface DelayMeasures {
  readyPath: string;
  reset: (server: Server) => Promise<void>;
  report: (server: Server, stdoutFile: string) => Promise<DelayReport>;
}

/** httpserver's own measures: overhead = logged response time minus the logged delay; lag from /metrics. */
const HTTPSERVER_MEASURES: DelayMeasures = {
  readyPath: '/readyz',
  // A scrape resets prom-client's event-loop lag histogram.
  reset: async (server) => {
    await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  },
  report: httpserverReport,
};

/** The delayed fixtures' measures (bench/fixtures/delay-probe.mjs), which start at their first request. */
const FIXTURE_MEASURES: DelayMeasures = { readyPath: '/', reset: async () => {}, report: fixtureReport };

async function httpserverReport(server: Server, stdoutFile: string): Promise<DelayReport> {
  const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  await stop(server); // flushes the access log
  const seconds = (name: string): number =>
    Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(metrics)?.[1] ?? NaN) * 1000;
  const overheadsMs: number[] = [];
  for (const line of readFileSync(stdoutFile, 'utf8').split('\n')) {
    if (!line.includes('"request completed"') || !line.includes('"path":"/"')) continue;
    const entry = JSON.parse(line) as { responseTimeMs: number; delayMs?: number };
    if (entry.delayMs !== undefined) overheadsMs.push(entry.responseTimeMs - entry.delayMs);
  }
  return {
    overheadsMs,
    eventLoopLagP99Ms: seconds('nodejs_eventloop_lag_p99_seconds'),
    eventLoopLagMaxMs: seconds('nodejs_eventloop_lag_max_seconds'),
  };
}

/** SIGUSR2, then the fixture's one JSON line on stdout. */
async function fixtureReport(server: Server, stdoutFile: string): Promise<DelayReport> {
  server.child.kill('SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const line = readFileSync(stdoutFile, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('{"overheadsMs"'));
    if (line !== undefined) {
      await stop(server);
      return JSON.parse(line) as DelayReport;
    }
    if (Date.now() > deadline) throw new Error(`${server.name} did not report`);
    await sleep(100);
  }
}

/**
 * 2000 connections for 20 s against one server with the 0-2000 ms delay on: wrk's errors and
 * timeouts, the server's peak RSS, and what `measures` collects (overhead = time to the response
 * minus the delay that request picked, p50 and p99; event-loop lag).
 */
async function concurrency(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  measures: DelayMeasures,
  cgroupProcs?: string,
): Promise<Concurrency> {
  const stdoutFile = join(RESULTS, `.concurrency-${args.at(-1)!.replace(/\W+/g, '-')}.out`);
  const server = await start(name, args, env, { readyPath: measures.readyPath, stdoutFile, cgroupProcs });
  const pid = pidOf(server);
  await measures.reset(server);
  const sample = wrk(server.port, CONCURRENT_SECONDS, CONCURRENT_CONNECTIONS, '/', 10);
  const peak = peakRssMiB(pid);
  const measured = await measures.report(server, stdoutFile);
  const overheads = [...measured.overheadsMs].sort((a, b) => a - b);
  const pct = (p: number): number =>
    overheads[Math.min(overheads.length - 1, Math.floor((p / 100) * overheads.length))] ?? NaN;
  const row: Concurrency = {
    server: name,
    requests: overheads.length,
    errors: sample.errors,
    overheadP50Ms: pct(50),
    overheadP99Ms: pct(99),
    peakRssMiB: peak,
    eventLoopLagP99Ms: measured.eventLoopLagP99Ms,
    eventLoopLagMaxMs: measured.eventLoopLagMaxMs,
  };
  console.log(`  ${name}: overhead p99 ${fmt(row.overheadP99Ms)} ms, peak RSS ${fmt(row.peakRssMiB)} MiB`);
  return row;
}

const PAIRS = Number(process.env.BENCH_PAIRS ?? 12);
const PAIR_SECONDS = 3;

/** A server to start: node arguments and environment. */
interface Side {
  args: string[];
  env: NodeJS.ProcessEnv;
}

interface SideBySide {
  ratio: string;
  pairs: number;
  throughput: number[];
  p99: number[];
}

/**
 * B against A side by side: both servers run at once, and wrk alternates 3 s runs between them
 * (which side goes first alternates too), so the machine's drift, which moves one server by up to
 * 30% between runs here, hits both sides of each pair alike. Ratios B/A per pair; the table shows
 * their medians. bench/ab.sh does the same by hand.
 */
async function sideBySide(ratio: string, a: Side, b: Side): Promise<SideBySide> {
  const serverA = await start('A', a.args, a.env);
  const serverB = await start('B', b.args, b.env);
  try {
    wrk(serverA.port, WARMUP_SECONDS, CONNECTIONS);
    wrk(serverB.port, WARMUP_SECONDS, CONNECTIONS);
    const throughput: number[] = [];
    const p99: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const runA = (): Sample => wrk(serverA.port, PAIR_SECONDS, CONNECTIONS);
      const runB = (): Sample => wrk(serverB.port, PAIR_SECONDS, CONNECTIONS);
      let sampleA: Sample, sampleB: Sample;
      if (i % 2 === 0) {
        sampleA = runA();
        sampleB = runB();
      } else {
        sampleB = runB();
        sampleA = runA();
      }
      throughput.push(sampleB.rps / sampleA.rps);
      p99.push(sampleB.p99Ms / sampleA.p99Ms);
    }
    console.log(`  ${ratio}: throughput ${fmt(median(throughput), 2)}, p99 ${fmt(median(p99), 2)}`);
    return { ratio, pairs: PAIRS, throughput, p99 };
  } finally {
    await stop(serverA);
    await stop(serverB);
  }
}

const range = (values: number[]): string => `${fmt(Math.min(...values), 2)}-${fmt(Math.max(...values), 2)}`;

function sideBySideTable(rows: SideBySide[]): string[] {
  return [
    `| side by side, ${PAIRS} pairs of ${PAIR_SECONDS} s runs | throughput ratio (median) | pairs' range | p99 ratio (median) | pairs' range | target |`,
    `| --- | --- | --- | --- | --- | --- |`,
    ...rows.map(
      (r) =>
        `| ${r.ratio} | ${fmt(median(r.throughput), 2)} | ${range(r.throughput)} | ${fmt(median(r.p99), 2)} | ${range(r.p99)} | ${r.ratio === 'c/b' ? '>= 0.90; p99 <= 1.5' : ''} |`,
    ),
    '',
  ];
}

const throughputLine = (r: Row): string =>
  `| ${r.server} | ${fmt(r.rps)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} | ${fmt(r.cpuCores, 2)} | ${fmt(r.peakRssMiB)} | ${fmt(r.idleRssMiB)} | ${r.errors} |`;
const concurrencyLine = (r: Concurrency): string =>
  `| ${r.server} | ${r.requests} | ${r.errors} | ${fmt(r.overheadP50Ms)} | ${fmt(r.overheadP99Ms)} | ${fmt(r.peakRssMiB)} | ${fmt(r.eventLoopLagP99Ms)} / ${fmt(r.eventLoopLagMaxMs)} |`;

/** The pod scenarios: what runs in a memory cgroup of the chart's limit; undefined where none can be made. */
interface Pod {
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
async function inPod(features: NodeJS.ProcessEnv, delayed: NodeJS.ProcessEnv): Promise<Pod | undefined> {
  const limitMiB = CHART_MEMORY_LIMIT_MIB;
  const cgroup = podCgroup(limitMiB);
  if (cgroup === undefined) {
    console.log(`pod: no memory cgroup can be made here (needs root and writable cgroups); skipped`);
    return undefined;
  }
  console.log(`pod: the same in a ${limitMiB} MiB memory cgroup (the chart's limit)`);
  try {
    const unset = "(c) httpserver, NODE_OPTIONS unset (V8's own sizing)";
    const rows = [
      await throughput('(b) NestJS hello', ['bench/fixtures/nest-hello.mjs'], {}, cgroup.procs),
      await throughput('(c) httpserver', ['dist/main.js'], features, cgroup.procs),
      await throughput(unset, ['dist/main.js'], { ...features, ...NODE_OPTIONS_UNSET }, cgroup.procs),
    ];
    const busyRows = [
      await concurrency(
        '(a) node:http',
        ['bench/fixtures/bare-http-delayed.mjs'],
        {},
        FIXTURE_MEASURES,
        cgroup.procs,
      ),
      await concurrency(
        "(b') NestJS, one interceptor that delays",
        ['bench/fixtures/nest-hello-delaying-interceptor.mjs'],
        {},
        FIXTURE_MEASURES,
        cgroup.procs,
      ),
      await concurrency('(c) httpserver', ['dist/main.js'], delayed, HTTPSERVER_MEASURES, cgroup.procs),
      await concurrency(
        unset,
        ['dist/main.js'],
        { ...delayed, ...NODE_OPTIONS_UNSET },
        HTTPSERVER_MEASURES,
        cgroup.procs,
      ),
    ];
    return { limitMiB, rows, busyRows };
  } finally {
    cgroup.remove();
  }
}

function podTables(pod: Pod | undefined): string[] {
  if (pod === undefined)
    return ["In a memory cgroup of the chart's limit: skipped (none can be made here).", ''];
  const [b, c] = pod.rows as [Row, Row, Row];
  return [
    `In a ${pod.limitMiB} MiB memory cgroup (the chart's memory limit), 50 connections:`,
    '',
    `| server | req/s | p50 ms | p99 ms | server CPU (cores) | peak RSS MiB | idle RSS MiB | errors |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
    ...pod.rows.map(throughputLine),
    `| c/b throughput | ${fmt(c.rps / b.rps, 2)} | | | | | | |`,
    '',
    `| ${CONCURRENT_CONNECTIONS} connections, in ${pod.limitMiB} MiB | requests | errors and timeouts | overhead p50 ms | overhead p99 ms | peak RSS MiB | event-loop lag p99 / max ms |`,
    `| --- | --- | --- | --- | --- | --- | --- |`,
    ...pod.busyRows.map(concurrencyLine),
    '',
  ];
}

/** Process start to the first 200 on /readyz, median of 5. */
async function startup(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const server = await start(
      'startup',
      ['dist/main.js'],
      { DELAY_MAX_MS: '0', ...AS_SHIPPED },
      {
        readyPath: '/readyz',
      },
    );
    times.push(performance.now() - started);
    await stop(server);
  }
  return median(times);
}

async function main(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  if (!TWO_CORES) console.log('one core only: server and wrk share it, numbers are not comparable');
  console.log(
    `throughput: ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up, ${RUNS} x ${SECONDS} s, medians`,
  );
  const features = { DELAY_MAX_MS: '0', LOG_LEVEL: 'info', ...AS_SHIPPED };
  const sink = await startSink();
  const rows = [
    await throughput('(a) node:http', ['bench/fixtures/bare-http.mjs']),
    await throughput('(b) NestJS hello', ['bench/fixtures/nest-hello.mjs']),
    await throughput("(b') NestJS hello + empty global interceptor", [
      'bench/fixtures/nest-hello-interceptor.mjs',
    ]),
    await throughput('(c) httpserver', ['dist/main.js'], features),
    await throughput('(d) httpserver + tracing', ['dist/main.js'], {
      ...features,
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_TRACES_SAMPLER: 'always_on',
    }),
  ];
  sink.close();
  console.log(`side by side: ${PAIRS} pairs of ${PAIR_SECONDS} s runs, both servers running`);
  const hello: Side = { args: ['bench/fixtures/nest-hello.mjs'], env: {} };
  const pairs = [
    await sideBySide('c/b', hello, { args: ['dist/main.js'], env: features }),
    await sideBySide("b'/b", hello, { args: ['bench/fixtures/nest-hello-interceptor.mjs'], env: {} }),
  ];
  console.log(
    `concurrency: ${CONCURRENT_CONNECTIONS} connections, ${CONCURRENT_SECONDS} s, delay 0-2000 ms, each server alone`,
  );
  const delayed = { DELAY_MIN_MS: '0', DELAY_MAX_MS: '2000', ...AS_SHIPPED };
  const busyRows = [
    await concurrency('(a) node:http', ['bench/fixtures/bare-http-delayed.mjs'], {}, FIXTURE_MEASURES),
    await concurrency(
      '(b) NestJS, delay in the handler',
      ['bench/fixtures/nest-hello-delayed.mjs'],
      {},
      FIXTURE_MEASURES,
    ),
    await concurrency(
      "(b') NestJS, one interceptor that delays",
      ['bench/fixtures/nest-hello-delaying-interceptor.mjs'],
      {},
      FIXTURE_MEASURES,
    ),
    await concurrency('(c) httpserver', ['dist/main.js'], delayed, HTTPSERVER_MEASURES),
  ];
  const pod = await inPod(features, delayed);
  console.log('start-up: 5 runs');
  const startupMs = await startup();

  const [a, b, bFloor, c, d] = rows as [Row, Row, Row, Row, Row];
  const ratios = {
    cOverA: c.rps / a.rps,
    cOverB: c.rps / b.rps,
    bFloorOverB: bFloor.rps / b.rps,
    cOverBFloor: c.rps / bFloor.rps,
    dOverC: d.rps / c.rps,
    p99COverB: c.p99Ms / b.p99Ms,
  };
  const table = [
    `| server | req/s | p50 ms | p99 ms | server CPU (cores) | peak RSS MiB | idle RSS MiB | errors |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- |`,
    ...rows.map(throughputLine),
    '',
    `| ratio | value | target |`,
    `| --- | --- | --- |`,
    `| c/a throughput | ${fmt(ratios.cOverA, 2)} | |`,
    `| c/b throughput | ${fmt(ratios.cOverB, 2)} | >= 0.90 |`,
    `| b'/b throughput: what one empty interceptor costs | ${fmt(ratios.bFloorOverB, 2)} | |`,
    `| c/b' throughput: httpserver against that floor | ${fmt(ratios.cOverBFloor, 2)} | |`,
    `| d/c throughput | ${fmt(ratios.dOverC, 2)} | |`,
    `| c/b p99 | ${fmt(ratios.p99COverB, 2)} | <= 1.5 |`,
    '',
    ...sideBySideTable(pairs),
    `| ${CONCURRENT_CONNECTIONS} connections, ${CONCURRENT_SECONDS} s, delay 0-2000 ms | requests | errors and timeouts | overhead p50 ms | overhead p99 ms | peak RSS MiB | event-loop lag p99 / max ms |`,
    `| --- | --- | --- | --- | --- | --- | --- |`,
    ...busyRows.map(concurrencyLine),
    `| target for (c) | | 0 | | < 50 | <= 160 | |`,
    '',
    ...podTables(pod),
    `| start-up to first 200 on /readyz (median of 5) | ${fmt(startupMs)} ms | < 1000 ms |`,
  ].join('\n');
  const when = new Date().toISOString();
  const markdown = `# httpserver benchmark, ${when}\n\nServer on core 0, wrk on core 1, loopback; node ${process.version}; httpserver with the image's NODE_OPTIONS="${IMAGE_NODE_OPTIONS}".\n\n${table}\n`;
  writeFileSync(join(RESULTS, 'latest.md'), markdown);
  writeFileSync(
    join(RESULTS, 'latest.json'),
    `${JSON.stringify({ when, node: process.version, nodeOptions: IMAGE_NODE_OPTIONS, rows, ratios, sideBySide: pairs, concurrency: busyRows, pod, startupMs }, null, 2)}\n`,
  );
  console.log(`\n${table}\n\nwritten to bench/results/latest.md and latest.json`);
}

await main();
