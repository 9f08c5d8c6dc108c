// Two chains of three httpservers, service0 -> service1 -> service2 (BACKEND_URL), measured side by
// side as make bench compares two servers: both chains run at once, all six processes on core 0,
// and wrk (core 1) alternates 3 s runs between the two fronts. Traced chains export over OTLP
// http/protobuf to a local sink. bench/chain.mts runs it from the command line; BENCH_FULL=1
// make bench runs it for tracing, every request sampled and every parent not sampled.
import { alternatingPairs, fmt, median, range, WARMUP_SECONDS } from './scenarios.mts';
import { IMAGE_NODE_OPTIONS, start, startSink, stop, wrk, type Sample, type Server } from './servers.mts';

// Runs of 3 s, as the chain's results in docs/performance.md were measured.
export const CHAIN_PAIR_SECONDS = 3;
// Each request of the front waits for two more: fewer connections keep the three busy, not queued.
export const CHAIN_CONNECTIONS = 20;
const ENV = { DELAY_MAX_MS: '0', NODE_OPTIONS: IMAGE_NODE_OPTIONS };

export interface ChainSide {
  label: string;
  script: string;
  traced: boolean;
}

export interface ChainComparison {
  labels: [string, string];
  /** The header lines every request of the load, and every readiness poll, carries. */
  headers: readonly string[];
  samples: { a: Sample; b: Sample }[];
  /** Per pair, B/A. */
  throughput: number[];
  p99: number[];
}

async function startChain(
  { label, script, traced }: ChainSide,
  sinkUrl: string,
  headers: readonly string[],
): Promise<Server[]> {
  const tracing = traced ? { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl } : {};
  const chain: Server[] = [];
  try {
    for (const index of [2, 1, 0]) {
      const next = chain[0];
      const backend = next === undefined ? {} : { BACKEND_URL: `http://127.0.0.1:${next.port}/` };
      const env = { ...ENV, ...tracing, ...backend, OTEL_SERVICE_NAME: `service${index}` };
      // The poll sends the load's headers (StartOptions.headers says why).
      chain.unshift(await start(`${label} service${index}`, [script], env, { headers }));
    }
    return chain;
  } catch (error) {
    await Promise.all(chain.map(stop));
    throw error;
  }
}

/** Chains A and B side by side, `pairs` pairs of runs against their fronts. */
export async function compareChains(
  sides: [ChainSide, ChainSide],
  headers: readonly string[],
  pairs: number,
): Promise<ChainComparison> {
  console.log(`chains of three: ${sides[1].label} against ${sides[0].label}, ${pairs} pairs`);
  const sink = await startSink();
  const chainA = await startChain(sides[0], sink.url, headers);
  const chainB = await startChain(sides[1], sink.url, headers).catch(async (error: unknown) => {
    await Promise.all(chainA.map(stop));
    throw error;
  });
  try {
    const run = (chain: Server[], seconds: number): Sample =>
      wrk(chain[0]!.port, seconds, CHAIN_CONNECTIONS, { headers });
    run(chainA, WARMUP_SECONDS);
    run(chainB, WARMUP_SECONDS);
    const samples = alternatingPairs(
      () => run(chainA, CHAIN_PAIR_SECONDS),
      () => run(chainB, CHAIN_PAIR_SECONDS),
      pairs,
    );
    return {
      labels: [sides[0].label, sides[1].label],
      headers,
      samples,
      throughput: samples.map((s) => s.b.rps / s.a.rps),
      p99: samples.map((s) => s.b.p99Ms / s.a.p99Ms),
    };
  } finally {
    await Promise.all([...chainA, ...chainB].map(stop));
    sink.close();
  }
}

/** One side of a comparison: its medians over the pairs, and its errors in all of them. */
export function chainSide(
  { samples }: ChainComparison,
  side: 'a' | 'b',
): { rps: number; p99Ms: number; errors: number } {
  return {
    rps: median(samples.map((s) => s[side].rps)),
    p99Ms: median(samples.map((s) => s[side].p99Ms)),
    errors: samples.reduce((sum, s) => sum + s[side].errors, 0),
  };
}

/** B/A of a comparison's throughput or p99: the median of the pairs' ratios, and their range. */
export const chainRatio = (values: number[]): string => `${fmt(median(values), 3)} (pairs ${range(values)})`;
