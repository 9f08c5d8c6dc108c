// A chain of three httpservers, service0 -> service1 -> service2 (BACKEND_URL), measured side by
// side as make bench compares two servers: both chains run at once, all six processes on core 0,
// and wrk (core 1) alternates 3 s runs between the two fronts. Prints the medians of each side and
// of the per-pair ratios B/A. Traced chains export over OTLP http/protobuf to a local sink. With
// PARENT=unsampled every request comes with a parent that was not sampled (`traceparent` flag 00),
// as Istio's default sampling sends most: the front passes it on and no service records a span.
//
//   ./scripts/with-node.sh node bench/chain.mts                       # untraced (A) and every request traced (B)
//   PARENT=unsampled ./scripts/with-node.sh node bench/chain.mts      # untraced (A) and traced, parent not sampled (B)
//   ./scripts/with-node.sh node bench/chain.mts /tmp/base/dist/bundle/main.js dist/bundle/main.js   # two builds, untraced
//   TRACED=1 ./scripts/with-node.sh node bench/chain.mts /tmp/base/dist/bundle/main.js dist/bundle/main.js
//
// PAIRS=8 by default: about a minute.
import { alternatingPairs, countFromEnv, fmt, median, range, WARMUP_SECONDS } from './scenarios.mts';
import {
  HTTPSERVER_SCRIPT,
  start,
  startSink,
  stop,
  UNSAMPLED_PARENT,
  wrk,
  type Sample,
  type Server,
} from './servers.mts';

const PAIRS = countFromEnv('PAIRS', 8);
// Runs of 3 s, as the chain's results in docs/performance.md were measured.
const PAIR_SECONDS = 3;
// Each request of the front waits for two more: fewer connections keep the three busy, not queued.
const CONNECTIONS = 20;
const ENV = { DELAY_MAX_MS: '0', NODE_OPTIONS: '--max-semi-space-size=8' };
const UNSAMPLED = process.env.PARENT === 'unsampled';
// What every request of the load, and every readiness poll, carries (StartOptions.headers says why).
const HEADERS = UNSAMPLED ? [UNSAMPLED_PARENT] : [];

interface ChainSide {
  label: string;
  script: string;
  traced: boolean;
}

async function startChain({ label, script, traced }: ChainSide, sinkUrl: string): Promise<Server[]> {
  const tracing = traced ? { OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl } : {};
  const chain: Server[] = [];
  try {
    for (const index of [2, 1, 0]) {
      const next = chain[0];
      const backend = next === undefined ? {} : { BACKEND_URL: `http://127.0.0.1:${next.port}/` };
      const env = { ...ENV, ...tracing, ...backend, OTEL_SERVICE_NAME: `service${index}` };
      chain.unshift(await start(`${label} service${index}`, [script], env, { headers: HEADERS }));
    }
    return chain;
  } catch (error) {
    await Promise.all(chain.map(stop));
    throw error;
  }
}

const [scriptA, scriptB] = process.argv.slice(2);
const sides: [ChainSide, ChainSide] =
  scriptA === undefined || scriptB === undefined
    ? [
        { label: 'untraced', script: HTTPSERVER_SCRIPT, traced: false },
        {
          label: UNSAMPLED ? 'traced, parent not sampled' : 'every request traced',
          script: HTTPSERVER_SCRIPT,
          traced: true,
        },
      ]
    : [
        { label: scriptA, script: scriptA, traced: process.env.TRACED === '1' },
        { label: scriptB, script: scriptB, traced: process.env.TRACED === '1' },
      ];

const sink = await startSink();
const chainA = await startChain(sides[0], sink.url);
const chainB = await startChain(sides[1], sink.url).catch(async (error: unknown) => {
  await Promise.all(chainA.map(stop));
  throw error;
});
try {
  const run = (chain: Server[], seconds: number): Sample =>
    wrk(chain[0]!.port, seconds, CONNECTIONS, { headers: HEADERS });
  run(chainA, WARMUP_SECONDS);
  run(chainB, WARMUP_SECONDS);
  const samples = alternatingPairs(
    () => run(chainA, PAIR_SECONDS),
    () => run(chainB, PAIR_SECONDS),
    PAIRS,
  );
  const ratios = samples.map((s) => s.b.rps / s.a.rps);
  const p99Ratios = samples.map((s) => s.b.p99Ms / s.a.p99Ms);
  const row = (label: string, pick: (s: { a: Sample; b: Sample }) => Sample): string => {
    const rps = fmt(median(samples.map((s) => pick(s).rps)));
    const p99 = fmt(median(samples.map((s) => pick(s).p99Ms)), 1);
    const errors = samples.reduce((sum, s) => sum + pick(s).errors, 0);
    return `| ${label} | ${rps} | ${p99} | ${errors} |`;
  };
  console.log(
    [
      '',
      `A chain of three services, ${CONNECTIONS} connections${UNSAMPLED ? ', parent not sampled' : ''}, ${PAIRS} pairs of ${PAIR_SECONDS} s (${new Date().toISOString()}, node ${process.version})`,
      '',
      '| chain of three | req/s (median) | p99 ms (median) | errors |',
      '| --- | --- | --- | --- |',
      row(`(A) ${sides[0].label}`, (s) => s.a),
      row(`(B) ${sides[1].label}`, (s) => s.b),
      `| B/A throughput | ${fmt(median(ratios), 3)} (pairs ${range(ratios)}) | | |`,
      `| B/A p99 | ${fmt(median(p99Ratios), 3)} (pairs ${range(p99Ratios)}) | | |`,
      '',
    ].join('\n'),
  );
} finally {
  await Promise.all([...chainA, ...chainB].map(stop));
  sink.close();
}
