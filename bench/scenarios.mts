// The scenarios make bench measures, each server started fresh and bounded in time: throughput
// at 50 connections, 2000 connections with the delay, and two servers side by side.
import { metricValue } from '../test/support/metric-value.ts';
import { table } from './markdown.mts';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cpuSeconds,
  peakRssMiB,
  pidOf,
  ROOT,
  rssMiB,
  sampleListenQueue,
  sleep,
  start,
  stop,
  wrk,
  wrkInBackground,
  type Percentiles,
  type Sample,
  type Server,
} from './servers.mts';

export const RESULTS = join(ROOT, 'bench', 'results');
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
export const WARMUP_SECONDS = 3;
export const CONNECTIONS = 50;

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
export const fmt = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/**
 * One standard error of the median of per-pair ratios: the spread of their logarithms, taken from
 * the median absolute deviation so that one wild pair does not inflate it, as for a normal sample
 * (1.2533 s / sqrt(n)), back on the ratio's scale. Undefined with fewer than 3 pairs.
 */
function medianError(ratios: readonly number[]): number | undefined {
  if (ratios.length < 3) return undefined;
  const logs = ratios.map(Math.log);
  const center = median(logs);
  const spread = 1.4826 * median(logs.map((x) => Math.abs(x - center)));
  return Math.exp(center) * ((1.2533 * spread) / Math.sqrt(ratios.length));
}

/** The median of each round's ratios, `sizes` giving how many consecutive ratios each round has. */
export function roundMedians(ratios: readonly number[], sizes: readonly number[]): number[] {
  let at = 0;
  return sizes.map((size) => {
    const round = ratios.slice(at, at + size);
    at += size;
    return median(round);
  });
}

/**
 * One standard error of the median of per-pair ratios gathered over rounds of fresh processes: the
 * larger of the pairs' own (medianError) and the spread of the rounds' medians over the square
 * root of their number, which also carries what one process pair shares for its whole life.
 */
export function ratioError(ratios: readonly number[], sizes: readonly number[]): number | undefined {
  const pairs = medianError(ratios);
  if (sizes.length < 2) return pairs;
  const logs = roundMedians(ratios, sizes).map(Math.log);
  const mean = logs.reduce((sum, x) => sum + x, 0) / logs.length;
  const variance = logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (logs.length - 1);
  const rounds = (median(ratios) * Math.sqrt(variance)) / Math.sqrt(logs.length);
  return pairs === undefined ? rounds : Math.max(pairs, rounds);
}

/** A server to start: node arguments and environment, and what wrk adds to each request. */
export interface Side {
  args: string[];
  env: NodeJS.ProcessEnv;
  headers?: readonly string[];
}

/** A server as the tables name it. */
export interface NamedSide extends Side {
  name: string;
}

const fixture = (name: string, file: string): NamedSide => ({
  name,
  args: [`bench/fixtures/${file}`],
  env: {},
});

/**
 * A side under httpserver's NODE_OPTIONS: wherever a fixture is compared with httpserver it runs
 * with the same runtime flags, so that the ratio compares request paths, not heap settings
 * (docs/performance.md).
 */
export const underFlags = (side: NamedSide, nodeOptions: string | undefined): NamedSide => ({
  ...side,
  env: { ...side.env, NODE_OPTIONS: nodeOptions },
});

/** The ceilings httpserver is measured against: fixtures run with Node's defaults (see underFlags). */
export const CEILINGS = {
  bareHttp: fixture('(a) node:http', 'bare-http.mjs'),
  nestHello: fixture('(b) NestJS hello', 'nest-hello.mjs'),
  nestInterceptor: fixture("(b') NestJS hello + empty global interceptor", 'nest-hello-interceptor.mjs'),
  /** The same with the 0-2 s delay, for the concurrency scenario. */
  delayed: {
    bareHttp: fixture('(a) node:http', 'bare-http-delayed.mjs'),
    nestHello: fixture('(b) NestJS, delay in the handler', 'nest-hello-delayed.mjs'),
    nestInterceptor: fixture(
      "(b') NestJS, one interceptor that delays",
      'nest-hello-delaying-interceptor.mjs',
    ),
  },
};

export interface Row {
  server: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuCores: number;
  peakRssMiB: number;
  idleRssMiB: number;
  errors: number;
}

/** Warm-up, then RUNS runs; medians. `cgroupProcs`: start the server in that pod-shaped cgroup. */
export async function throughput(
  { name, args, env, headers }: NamedSide,
  cgroupProcs?: readonly string[],
): Promise<Row> {
  const server = await start(name, args, env, { cgroupProcs, headers });
  const pid = pidOf(server);
  await sleep(500);
  const idleRssMiB = rssMiB(pid);
  wrk(server.port, WARMUP_SECONDS, CONNECTIONS, { headers });
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  const samples = Array.from({ length: RUNS }, () => wrk(server.port, SECONDS, CONNECTIONS, { headers }));
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

export interface Concurrency {
  server: string;
  connections: number;
  /** Requests answered per second over the run. */
  rps: number;
  /** CPU the server used over the run, in cores. */
  cpuCores: number;
  requests: number;
  errors: number;
  overheadP50Ms: number;
  overheadP99Ms: number;
  /** As the client saw it, queueing before the server reads the request included. */
  latencyP99Ms: number;
  latencyMaxMs: number;
  peakRssMiB: number;
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  /** The most connections seen waiting in the listen queue, unaccepted (sampled every 0.5 s). */
  unacceptedPeak: number | undefined;
}

/**
 * How long the client waits for an answer under the delayed load: the chart's HTTPRoute timeout
 * (httpRoute.timeout, 15s), past which a request would fail behind the Gateway anyway.
 */
export const CLIENT_TIMEOUT_SECONDS = 15;

/** What a server under the concurrency load reports about itself once wrk is done. */
interface DelayReport {
  overheadsMs: number[];
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
}

export const CONCURRENT_CONNECTIONS = 2000;
export const CONCURRENT_SECONDS = 20;

/** How a server under the concurrency load is measured: `reset` right before the load, `report` after it. */
export interface DelayMeasures {
  readyPath: string;
  reset: (server: Server) => Promise<void>;
  report: (server: Server, stdoutFile: string) => Promise<DelayReport>;
}

/** httpserver's own measures: overhead = logged response time minus the logged delay; lag from /metrics. */
export const HTTPSERVER_MEASURES: DelayMeasures = {
  readyPath: '/readyz',
  // A scrape resets prom-client's event-loop lag histogram.
  reset: async (server) => {
    await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  },
  report: httpserverReport,
};

/** The delayed fixtures' measures (bench/fixtures/delay-probe.mjs), which start at their first request. */
export const FIXTURE_MEASURES: DelayMeasures = {
  readyPath: '/',
  reset: async () => {},
  report: fixtureReport,
};

async function httpserverReport(server: Server, stdoutFile: string): Promise<DelayReport> {
  const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  await stop(server); // flushes the access log
  const seconds = (name: string): number => metricValue(metrics, name) * 1000;
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

/** Where and how long one server takes the delayed load (2000 connections for 20 s by default). */
export interface LoadOptions {
  cgroupProcs?: readonly string[];
  connections?: number;
  seconds?: number;
}

/**
 * Many connections (2000 by default) for a while against one server with the 0-2000 ms delay on:
 * wrk's errors and timeouts, the server's rate, CPU and peak RSS, and what `measures` collects
 * (overhead = time to the response minus the delay that request picked, p50 and p99; event-loop lag).
 */
export async function concurrency(
  side: NamedSide,
  measures: DelayMeasures,
  options: LoadOptions = {},
): Promise<Concurrency> {
  const [row] = await concurrentLoads([{ side, measures, options }]);
  return row as Concurrency;
}

/**
 * concurrency() for several servers at once, each with its own wrk: all are started, then all
 * loaded at the same moment, so a comparison between them holds the host's drift on both sides,
 * as the side-by-side pairs do. Give each its own cgroup, or they share one quota.
 */
export async function concurrentLoads(
  loads: readonly { side: NamedSide; measures: DelayMeasures; options?: LoadOptions }[],
): Promise<Concurrency[]> {
  const started: { server: Server; stdoutFile: string }[] = [];
  const listenQueues: ReturnType<typeof sampleListenQueue>[] = [];
  try {
    for (const [i, { side, measures, options = {} }] of loads.entries()) {
      // Numbered: two loads of one script at once keep their logs apart. In the temporary directory,
      // since the checkout may be read-only (make bench-cgroup-v2 mounts it so in its virtual machine).
      const script = side.args.at(-1)!.replace(/\W+/g, '-');
      const stdoutFile = join(tmpdir(), `httpserver-bench-${process.pid}-${i}-${script}.out`);
      const { readyPath } = measures;
      const { cgroupProcs } = options;
      started.push({
        server: await start(side.name, side.args, side.env, { readyPath, stdoutFile, cgroupProcs }),
        stdoutFile,
      });
    }
    await Promise.all(loads.map(({ measures }, i) => measures.reset(started[i]!.server)));
    const runs = loads.map(({ measures, options = {} }, i) => {
      const { server, stdoutFile } = started[i]!;
      const { connections = CONCURRENT_CONNECTIONS, seconds = CONCURRENT_SECONDS } = options;
      const pid = pidOf(server);
      const cpuBefore = cpuSeconds(pid);
      const listenQueue = sampleListenQueue(server.port);
      listenQueues.push(listenQueue);
      const timeoutSeconds = CLIENT_TIMEOUT_SECONDS;
      const sample = wrkInBackground(server.port, seconds, connections, { timeoutSeconds });
      return { server, stdoutFile, measures, pid, cpuBefore, listenQueue, sample, connections, seconds };
    });
    const samples = await Promise.all(runs.map((run) => run.sample));
    // Read once the loads end, before any server stops: each one's CPU over its load, its peak RSS.
    const ends = runs.map((run) => ({
      unacceptedPeak: run.listenQueue.stop(),
      cpuCores: (cpuSeconds(run.pid) - run.cpuBefore) / run.seconds,
      peak: peakRssMiB(run.pid),
    }));
    const rows: Concurrency[] = [];
    for (const [i, run] of runs.entries()) {
      const { unacceptedPeak, cpuCores, peak } = ends[i]!;
      const measured = await run.measures.report(run.server, run.stdoutFile);
      const { name } = run.server;
      rows.push(concurrencyRow(name, run.connections, samples[i]!, cpuCores, peak, measured, unacceptedPeak));
    }
    return rows;
  } finally {
    // What has ended already ends at once; this ends the rest after a failure (a wrk that failed).
    for (const listenQueue of listenQueues) listenQueue.stop();
    await Promise.all(started.map(({ server }) => stop(server)));
    for (const { stdoutFile } of started) rmSync(stdoutFile, { force: true });
  }
}

function concurrencyRow(
  name: string,
  connections: number,
  sample: Sample,
  cpuCores: number,
  peakRss: number,
  measured: DelayReport,
  unacceptedPeak: number | undefined,
): Concurrency {
  const overheads = [...measured.overheadsMs].sort((a, b) => a - b);
  const pct = (p: number): number =>
    overheads[Math.min(overheads.length - 1, Math.floor((p / 100) * overheads.length))] ?? NaN;
  const row: Concurrency = {
    server: name,
    connections,
    rps: sample.rps,
    cpuCores,
    requests: overheads.length,
    errors: sample.errors,
    overheadP50Ms: pct(50),
    overheadP99Ms: pct(99),
    latencyP99Ms: sample.p99Ms,
    latencyMaxMs: sample.percentiles.find((point) => point.p === 100)?.ms ?? NaN,
    peakRssMiB: peakRss,
    eventLoopLagP99Ms: measured.eventLoopLagP99Ms,
    eventLoopLagMaxMs: measured.eventLoopLagMaxMs,
    unacceptedPeak,
  };
  console.log(
    `  ${name}, ${connections} connections: ${fmt(row.rps)} req/s, ${row.errors} errors, overhead p99 ${fmt(row.overheadP99Ms)} ms, CPU ${fmt(cpuCores, 2)}, peak RSS ${fmt(row.peakRssMiB)} MiB, unaccepted peak ${row.unacceptedPeak ?? 'n/a'}`,
  );
  return row;
}

/** A whole number of at least 1 from the environment, or `fallback` when unset. */
export function countFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    // A setting, not a bug: one line, no stack trace.
    process.stderr.write(`${name} must be a whole number of at least 1, not "${raw}"\n`);
    process.exit(2);
  }
  return value;
}

// Runs of 1 s: two identical builds side by side read a per-pair spread (s.d. of the log ratio)
// of 0.12 with 1 s runs as with 3 s runs, so three short pairs in the time of one long pair cut
// the error of the median by about 40% (docs/performance.md).
export const PAIRS = countFromEnv('BENCH_PAIRS', 24);
export const PAIR_SECONDS = countFromEnv('BENCH_PAIR_SECONDS', 1);

/**
 * Rounds of a side-by-side comparison, each with both servers started afresh: two processes of one
 * build can differ by several per cent for their whole life (what the JIT and the heap made of
 * them), which pairs within one process pair cannot average out (docs/performance.md, "Why rounds").
 * An even number, since the server started second tends to read faster: each side starts first in
 * half the rounds.
 */
export const ROUNDS = countFromEnv('BENCH_ROUNDS', 4);
/** Warm-up of each server in each round. */
const ROUND_WARMUP_SECONDS = 2;

export interface SideBySide {
  ratio: string;
  /** B/A for each pair, round after round. */
  throughput: number[];
  p99: number[];
  /** How many of those pairs each round ran, in order. */
  roundSizes: number[];
  /** Each side's peak RSS, the highest of its rounds. */
  peakRssMiB: { a: number; b: number };
  /** Each side's latency distribution: the median over the pairs at each percentile. */
  percentiles: { a: Percentiles; b: Percentiles };
}

/** The median over several runs at each percentile. */
function medianPercentiles(samples: readonly Sample[]): Percentiles {
  const first = samples[0]?.percentiles ?? [];
  return first.map(({ p }) => ({
    p,
    ms: median(samples.map((s) => s.percentiles.find((point) => point.p === p)?.ms ?? NaN)),
  }));
}

/** `pairs` split into `rounds` rounds as evenly as whole pairs allow (never an empty round). */
export function roundSizes(pairs: number, rounds: number): number[] {
  const count = Math.min(rounds, pairs);
  return Array.from({ length: count }, (_, i) => Math.floor((pairs + i) / count));
}

/**
 * B against A side by side: both servers run at once, and wrk alternates short runs between them
 * (which side goes first alternates too), so the machine's drift, which moves one server by up to
 * 30% between runs here, hits both sides of each pair alike. The pairs are spread over ROUNDS
 * rounds of fresh processes. Ratios B/A per pair; the table shows their medians. `onPair` sees
 * each pair's samples as they come (bench/ab.sh prints them).
 */
export async function sideBySide(
  ratio: string,
  a: Side,
  b: Side,
  pairs = PAIRS,
  onPair: (sampleA: Sample, sampleB: Sample) => void = () => {},
): Promise<SideBySide> {
  const sizes = roundSizes(pairs, ROUNDS);
  const pairSamples: { a: Sample; b: Sample }[] = [];
  const peak = { a: 0, b: 0 };
  for (const [index, size] of sizes.entries()) {
    const round = await sideBySideRound(a, b, size, onPair, index % 2 === 1);
    pairSamples.push(...round.pairSamples);
    peak.a = Math.max(peak.a, round.peakRssMiB.a);
    peak.b = Math.max(peak.b, round.peakRssMiB.b);
  }
  const throughput = pairSamples.map((pair) => pair.b.rps / pair.a.rps);
  const p99 = pairSamples.map((pair) => pair.b.p99Ms / pair.a.p99Ms);
  console.log(`  ${ratio}: throughput ${fmt(median(throughput), 2)}, p99 ${fmt(median(p99), 2)}`);
  const percentiles = {
    a: medianPercentiles(pairSamples.map((pair) => pair.a)),
    b: medianPercentiles(pairSamples.map((pair) => pair.b)),
  };
  return { ratio, throughput, p99, roundSizes: sizes, peakRssMiB: peak, percentiles };
}

/**
 * One round: both servers started, warmed up, `pairs` pairs, both stopped. `bFirst`: B starts and
 * warms up first; rounds alternate it, so that neither side always starts second.
 */
async function sideBySideRound(
  a: Side,
  b: Side,
  pairs: number,
  onPair: (sampleA: Sample, sampleB: Sample) => void,
  bFirst: boolean,
): Promise<{ pairSamples: { a: Sample; b: Sample }[]; peakRssMiB: { a: number; b: number } }> {
  const [first, second] = bFirst ? [b, a] : [a, b];
  const serverFirst = await start(bFirst ? 'B' : 'A', first.args, first.env, { headers: first.headers });
  // A server left running would keep the bench's stdout open: `bench/ab.sh ... | tail` would hang.
  const serverSecond = await start(bFirst ? 'A' : 'B', second.args, second.env, {
    headers: second.headers,
  }).catch(async (error: unknown) => {
    await stop(serverFirst);
    throw error;
  });
  const [serverA, serverB] = bFirst ? [serverSecond, serverFirst] : [serverFirst, serverSecond];
  try {
    wrk(serverFirst.port, ROUND_WARMUP_SECONDS, CONNECTIONS, { headers: first.headers });
    wrk(serverSecond.port, ROUND_WARMUP_SECONDS, CONNECTIONS, { headers: second.headers });
    const pairSamples = alternatingPairs(
      () => wrk(serverA.port, PAIR_SECONDS, CONNECTIONS, { headers: a.headers }),
      () => wrk(serverB.port, PAIR_SECONDS, CONNECTIONS, { headers: b.headers }),
      pairs,
      onPair,
    );
    return { pairSamples, peakRssMiB: { a: peakRssMiB(pidOf(serverA)), b: peakRssMiB(pidOf(serverB)) } };
  } finally {
    await stop(serverA);
    await stop(serverB);
  }
}

/**
 * `pairs` pairs of runs of A and B, which side goes first alternating, so that drift between runs
 * hits both sides of a pair alike. `onPair` sees each pair as it comes.
 */
export function alternatingPairs(
  runA: () => Sample,
  runB: () => Sample,
  pairs: number,
  onPair: (sampleA: Sample, sampleB: Sample) => void = () => {},
): { a: Sample; b: Sample }[] {
  const samples: { a: Sample; b: Sample }[] = [];
  for (let i = 0; i < pairs; i++) {
    let a: Sample, b: Sample;
    if (i % 2 === 0) {
      a = runA();
      b = runB();
    } else {
      b = runB();
      a = runA();
    }
    onPair(a, b);
    samples.push({ a, b });
  }
  return samples;
}

/** "min-max" of the per-pair ratios. */
export const range = (values: number[]): string =>
  `${fmt(Math.min(...values), 2)}-${fmt(Math.max(...values), 2)}`;

/** The side-by-side results as a Markdown table, one row each. */
export function sideBySideTable(results: readonly SideBySide[]): string[] {
  return [
    ...table(
      [
        `side by side, runs of ${PAIR_SECONDS} s`,
        'pairs (rounds)',
        'throughput ratio (median)',
        "pairs' range",
        "rounds' medians",
        'p99 ratio (median)',
        "pairs' range",
      ],
      results.map((r) => [
        r.ratio,
        `${r.throughput.length} (${r.roundSizes.length})`,
        fmt(median(r.throughput), 2),
        range(r.throughput),
        roundMedians(r.throughput, r.roundSizes)
          .map((m) => fmt(m, 2))
          .join(', '),
        fmt(median(r.p99), 2),
        range(r.p99),
      ]),
    ),
    '',
  ];
}
