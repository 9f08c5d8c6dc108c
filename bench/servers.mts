// What make bench and bench/allocations.mts share: servers pinned to core 0, wrk pinned to core 1,
// both on loopback and bounded in time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandInCgroup } from '../test/support/pod-cgroup.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const TWO_CORES = availableParallelism() >= 2;

/** The service as the image runs it: the bundle `npm run build` makes. */
export const HTTPSERVER_SCRIPT = 'dist/bundle/main.js';

/** The NODE_OPTIONS the image sets (Dockerfile ENV): the benchmarks run httpserver as the image runs it. */
export const IMAGE_NODE_OPTIONS = (() => {
  const match = /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  if (match === null) throw new Error('the Dockerfile sets no NODE_OPTIONS="..."');
  return match[1]!;
})();

/** A request whose parent span was not sampled, as Istio's sidecars send most requests by default. */
export const UNSAMPLED_PARENT = 'traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00';

/**
 * How long a server may take to answer its readiness poll: 15 s, or BENCH_START_TIMEOUT_S where
 * start-up is slow (emulated and held to 500m, as in make bench-cgroup-v2, it takes tens of seconds).
 */
const START_TIMEOUT_MS = Number(process.env.BENCH_START_TIMEOUT_S ?? 15) * 1000;

const SERVER_CPU = TWO_CORES ? ['taskset', '-c', '0'] : [];
const LOAD_CPU = TWO_CORES ? ['taskset', '-c', '1'] : [];
const HEADERS = ['-H', 'X-Bench: 1', '-H', 'X-Request-Source: wrk', '-H', 'Accept-Language: en'];

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

/** Latency in ms at each percentile wrk reports through bench/fixtures/percentiles.lua. */
export type Percentiles = { p: number; ms: number }[];

export interface Sample {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  percentiles: Percentiles;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * A port the OS just handed out, so a process left over from an earlier run cannot be measured
 * instead. (test/support/free-port.ts does the same for the CommonJS tests; Node runs these .mts
 * scripts as ES modules, and importing that file from here makes it guess its module type.)
 */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** Answered with a 2xx once the server is ready; '/' by default. */
  readyPath?: string;
  /** Where stdout goes; /dev/null by default. */
  stdoutFile?: string;
  /** The cgroup.procs files of a pod-shaped cgroup (test/support/pod-cgroup.ts) to start the server in. */
  cgroupProcs?: readonly string[];
  /**
   * The header lines ("name: value") the load will send, sent with the readiness poll too: a poll
   * without a load's `traceparent` would start a sampled trace in a server whose load is not
   * sampled, and its export 5 s later would change what is measured (docs/performance.md).
   */
  headers?: readonly string[];
}

/** Starts a server pinned to the server core, stdout to /dev/null (or a file), and waits for it to answer. */
export async function start(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  { readyPath = '/', stdoutFile, cgroupProcs, headers = [] }: StartOptions = {},
): Promise<Server> {
  const port = await freePort();
  const out = stdoutFile === undefined ? 'ignore' : openSync(stdoutFile, 'w');
  const pinned = [...SERVER_CPU, process.execPath, ...args];
  const [command, ...rest] = commandInCgroup(cgroupProcs ?? [], pinned);
  const child = spawn(command!, rest, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', out, 'inherit'],
  });
  if (typeof out === 'number') closeSync(out);
  const deadline = Date.now() + START_TIMEOUT_MS;
  const pollHeaders = headers.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()] as [string, string];
  });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}${readyPath}`, { headers: pollHeaders }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { name, port, child };
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}) before it answered ${readyPath}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not answer ${readyPath} within ${START_TIMEOUT_MS / 1000} s`);
    }
    await sleep(20);
  }
}

export async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  server.child.kill('SIGKILL');
}

/** utime+stime of the server process (the node process under taskset: its only child). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
/** A memory field of /proc/<pid>/status (VmHWM: peak RSS, VmRSS: RSS now), in MiB. */
function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}
export const peakRssMiB = (pid: number): number => statusMiB(pid, 'VmHWM');
export const rssMiB = (pid: number): number => statusMiB(pid, 'VmRSS');
/** The node process: with taskset, exec replaces taskset, so the pid is node's. */
export const pidOf = (server: Server): number => server.child.pid!;

function parseMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

const PERCENTILES_SCRIPT = join(ROOT, 'bench', 'fixtures', 'percentiles.lua');

export interface WrkOptions {
  path?: string;
  timeoutSeconds?: number;
  /** More request headers, e.g. a traceparent. */
  headers?: readonly string[];
}

/** wrk's command line for one load run: pinned to the load core, bounded by `seconds`. */
function wrkCommand(
  port: number,
  seconds: number,
  connections: number,
  { path = '/', timeoutSeconds = 5, headers = [] }: WrkOptions,
): string[] {
  return [
    ...LOAD_CPU,
    'wrk',
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    `--timeout`,
    `${timeoutSeconds}s`,
    '--latency',
    '-s',
    PERCENTILES_SCRIPT,
    ...HEADERS,
    ...headers.flatMap((header) => ['-H', header]),
    `http://127.0.0.1:${port}${path}`,
  ];
}

/** How long past its `-d` a wrk run may take before it is killed: it waits out its last requests. */
const WRK_GRACE_SECONDS = 30;

/**
 * One wrk run against 127.0.0.1:port; wrk's own latency distribution gives p50, p99 and the
 * percentiles of the plot. The event loop waits meanwhile (see wrkInBackground).
 */
export function wrk(port: number, seconds: number, connections: number, options: WrkOptions = {}): Sample {
  const [command, ...args] = wrkCommand(port, seconds, connections, options);
  const result = spawnSync(command!, args, {
    encoding: 'utf8',
    timeout: (seconds + WRK_GRACE_SECONDS) * 1000,
  });
  return parseWrk(result.stdout, result.stderr);
}

/** One wrk run as wrk() makes it, without blocking the event loop, so that several can run at once. */
export function wrkInBackground(
  port: number,
  seconds: number,
  connections: number,
  options: WrkOptions = {},
): Promise<Sample> {
  const [command, ...args] = wrkCommand(port, seconds, connections, options);
  const output = new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command!, args, { timeout: (seconds + WRK_GRACE_SECONDS) * 1000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', () => resolve({ stdout, stderr }));
  });
  return output.then(({ stdout, stderr }) => parseWrk(stdout, stderr));
}

function parseWrk(out: string, stderr: string): Sample {
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50Ms = parseMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99Ms = parseMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = non2xx + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  if (!Number.isFinite(rps)) throw new Error(`wrk failed: ${out}${stderr}`);
  const percentiles = [...(/^PERCENTILES (.*)$/m.exec(out)?.[1] ?? '').matchAll(/([\d.]+)=(\d+)/g)].map(
    ([, p, us]) => ({ p: Number(p), ms: Number(us) / 1000 }),
  );
  return { requests, rps, p50Ms, p99Ms, errors, percentiles };
}

/**
 * Samples, every half second until `stop`, how many connections wait in the server's listen
 * queue, opened by the kernel but not yet accepted by the process; `stop` answers the most seen,
 * or undefined without `ss` (and when called again). A background process, since wrk() blocks the
 * event loop meanwhile.
 */
export function sampleListenQueue(port: number): { stop(): number | undefined } {
  const file = join(tmpdir(), `httpserver-bench-listen-${port}.txt`);
  const sampler = spawn(
    'sh',
    ['-c', `while :; do ss -ltnH "sport = :${port}" || exit; sleep 0.5; done > "${file}"`],
    { stdio: 'ignore' },
  );
  return {
    stop(): number | undefined {
      sampler.kill();
      let lines: string[];
      try {
        lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
        rmSync(file, { force: true });
      } catch {
        return undefined;
      }
      // ss -lt: State Recv-Q Send-Q ...; on a listening socket Recv-Q is the accept queue.
      const waiting = lines.map((line) => Number(line.trim().split(/\s+/)[1])).filter(Number.isFinite);
      return waiting.length === 0 ? undefined : Math.max(...waiting);
    },
  };
}

/** A sink for traced servers: accepts OTLP exports and discards them. */
export function startSink(): Promise<{ url: string; close: () => void }> {
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
