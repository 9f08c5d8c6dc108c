// The one Markdown table writer of the benchmark's report.
import type { Concurrency, Row } from './scenarios.mts';
import { CLIENT_TIMEOUT_SECONDS, fmt } from './scenarios.mts';

/** A Markdown table: the header row, the separator, then one line per row. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const line = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)];
}

/** Requests per second, latency, CPU and memory of each server at 50 connections. */
export function throughputTable(rows: readonly Row[], extra: (string | number)[][] = []): string[] {
  return table(
    ['server', 'req/s', 'p50 ms', 'p99 ms', 'server CPU (cores)', 'peak RSS MiB', 'idle RSS MiB', 'errors'],
    [
      ...rows.map((r) => [
        r.server,
        fmt(r.rps),
        fmt(r.p50Ms, 2),
        fmt(r.p99Ms, 2),
        fmt(r.cpuCores, 2),
        fmt(r.peakRssMiB),
        fmt(r.idleRssMiB),
        r.errors,
      ]),
      ...extra,
    ],
  );
}

/** Rate, CPU, errors, overhead, client latency, memory, event-loop lag and the listen queue under many delayed connections. */
export function concurrencyTable(
  title: string,
  rows: readonly Concurrency[],
  extra: (string | number)[][] = [],
): string[] {
  return table(
    [
      title,
      'connections',
      'req/s',
      'CPU (cores)',
      `errors (incl. over ${CLIENT_TIMEOUT_SECONDS} s)`,
      'overhead p50 / p99 ms',
      'client latency p99 / max s',
      'peak RSS MiB',
      'event-loop lag p99 / max ms',
      'unaccepted connections, peak',
    ],
    [
      ...rows.map((r) => [
        r.server,
        r.connections,
        fmt(r.rps),
        fmt(r.cpuCores, 2),
        r.errors,
        `${fmt(r.overheadP50Ms)} / ${fmt(r.overheadP99Ms)}`,
        `${fmt(r.latencyP99Ms / 1000, 1)} / ${fmt(r.latencyMaxMs / 1000, 1)}`,
        fmt(r.peakRssMiB),
        `${fmt(r.eventLoopLagP99Ms)} / ${fmt(r.eventLoopLagMaxMs)}`,
        r.unacceptedPeak ?? 'n/a',
      ]),
      ...extra,
    ],
  );
}
