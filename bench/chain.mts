// A chain of three httpservers against another, side by side (chains.mts). Prints the medians of
// each side and of the per-pair ratios B/A. With PARENT=unsampled every request comes with a
// parent that was not sampled (`traceparent` flag 00), as Istio's default sampling sends most: the
// front passes it on and no service records a span.
//
//   ./scripts/with-node.sh node bench/chain.mts                       # untraced (A) and every request traced (B)
//   PARENT=unsampled ./scripts/with-node.sh node bench/chain.mts      # untraced (A) and traced, parent not sampled (B)
//   ./scripts/with-node.sh node bench/chain.mts /tmp/base/dist/bundle/main.js dist/bundle/main.js   # two builds, untraced
//   TRACED=1 ./scripts/with-node.sh node bench/chain.mts /tmp/base/dist/bundle/main.js dist/bundle/main.js
//
// PAIRS=8 by default: about a minute.
import {
  CHAIN_CONNECTIONS,
  CHAIN_PAIR_SECONDS,
  chainRatio,
  chainSide,
  compareChains,
  type ChainSide,
} from './chains.mts';
import { countFromEnv, fmt } from './scenarios.mts';
import { HTTPSERVER_SCRIPT, UNSAMPLED_PARENT } from './servers.mts';

const PAIRS = countFromEnv('PAIRS', 8);
const UNSAMPLED = process.env.PARENT === 'unsampled';

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

const comparison = await compareChains(sides, UNSAMPLED ? [UNSAMPLED_PARENT] : [], PAIRS);
const row = (label: string, side: 'a' | 'b'): string => {
  const { rps, p99Ms, errors } = chainSide(comparison, side);
  return `| ${label} | ${fmt(rps)} | ${fmt(p99Ms, 1)} | ${errors} |`;
};
console.log(
  [
    '',
    `A chain of three services, ${CHAIN_CONNECTIONS} connections${UNSAMPLED ? ', parent not sampled' : ''}, ${PAIRS} pairs of ${CHAIN_PAIR_SECONDS} s (${new Date().toISOString()}, node ${process.version})`,
    '',
    '| chain of three | req/s (median) | p99 ms (median) | errors |',
    '| --- | --- | --- | --- |',
    row(`(A) ${sides[0].label}`, 'a'),
    row(`(B) ${sides[1].label}`, 'b'),
    `| B/A throughput | ${chainRatio(comparison.throughput)} | | |`,
    `| B/A p99 | ${chainRatio(comparison.p99)} | | |`,
    '',
  ].join('\n'),
);
