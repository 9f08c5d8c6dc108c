// What bench/ab.sh runs: two servers side by side (scenarios.mts), printing each pair, the medians
// of the per-pair ratios B/A with their standard errors, and both servers' peak RSS. Each side is
// a string of node arguments.
import {
  countFromEnv,
  fmt,
  median,
  range,
  ratioError,
  roundMedians,
  sideBySide,
  type Side,
} from './scenarios.mts';

const [argsA, argsB] = process.argv.slice(2);
if (argsA === undefined || argsB === undefined) {
  console.error("usage: bench/ab.sh '<node args A>' '<node args B>'");
  process.exit(2);
}
/** The delay off and the log to /dev/null, as in make bench; leading VAR=value words are its environment. */
const side = (args: string): Side => {
  const words = args.split(/\s+/).filter(Boolean);
  const env: Record<string, string> = { DELAY_MAX_MS: '0' };
  while (words[0] !== undefined && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name, ...value] = (words.shift() as string).split('=');
    env[name as string] = value.join('=');
  }
  return { args: words, env, headers: process.env.AB_HEADER === undefined ? [] : [process.env.AB_HEADER] };
};
const row = (...cells: (string | number)[]): string =>
  cells.map((cell) => String(cell).padStart(9)).join(' ');

const pairs = countFromEnv('PAIRS', 42);
console.log(row('A req/s', 'B req/s', 'B/A', 'A p99 ms', 'B p99 ms', 'B/A'));
const result = await sideBySide('B/A', side(argsA), side(argsB), pairs, (a, b) =>
  console.log(
    row(
      fmt(a.rps),
      fmt(b.rps),
      fmt(b.rps / a.rps, 3),
      fmt(a.p99Ms, 2),
      fmt(b.p99Ms, 2),
      fmt(b.p99Ms / a.p99Ms, 3),
    ),
  ),
);
const summary = (values: number[]): string => {
  const rounds = roundMedians(values, result.roundSizes).map((m) => fmt(m, 3));
  return `${fmt(median(values), 3)} ± ${fmt(ratioError(values, result.roundSizes) ?? NaN, 3)} (pairs range ${range(values)}; rounds ${rounds.join(', ')})`;
};
console.log(`median B/A throughput ${summary(result.throughput)}`);
console.log(`median B/A p99 latency ${summary(result.p99)}`);
console.log(`peak RSS MiB: A ${fmt(result.peakRssMiB.a)}, B ${fmt(result.peakRssMiB.b)}`);
