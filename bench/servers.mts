// What make bench and bench/allocations.mts share: servers pinned to core 0, wrk pinned to core 1,
// both on loopback and bounded in time.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const TWO_CORES = availableParallelism() >= 2;
const SERVER_CPU = TWO_CORES ? ['taskset', '-c', '0'] : [];
const LOAD_CPU = TWO_CORES ? ['taskset', '-c', '1'] : [];
const HEADERS = ['-H', 'X-Bench: 1', '-H', 'X-Request-Source: wrk', '-H', 'Accept-Language: en'];

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

export interface Sample {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
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
  /** The cgroup.procs file of a memory cgroup (see podCgroup) to start the server in. */
  cgroupProcs?: string;
}

/** Starts a server pinned to the server core, stdout to /dev/null (or a file), and waits for it to answer. */
export async function start(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  { readyPath = '/', stdoutFile, cgroupProcs }: StartOptions = {},
): Promise<Server> {
  const port = await freePort();
  const out = stdoutFile === undefined ? 'ignore' : openSync(stdoutFile, 'w');
  // Joins the cgroup before exec: Node reads its memory limit once, when it sizes V8's heap.
  const enter = cgroupProcs === undefined ? [] : ['sh', '-c', 'echo $$ > "$0" && exec "$@"', cgroupProcs];
  const [command, ...rest] = [...enter, ...SERVER_CPU, process.execPath, ...args];
  const child = spawn(command!, rest, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', out, 'inherit'],
  });
  if (typeof out === 'number') closeSync(out);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}${readyPath}`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { name, port, child };
    if (Date.now() > deadline) throw new Error(`${name} did not start`);
    await sleep(20);
  }
}

export async function stop(server: Server): Promise<void> {
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
/**
 * A memory cgroup limited to `limitMiB`, as the kubelet makes for a pod, so Node sizes V8's heap as
 * it does in the pod (from the limit, not from the host's memory). Made under this process's own
 * cgroup (v1 or v2); returns its cgroup.procs file and a function that removes it, or undefined
 * where this process may not make one (not root, cgroups read-only, no memory controller).
 */
export function podCgroup(limitMiB: number): { procs: string; remove: () => void } | undefined {
  const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
  const v1 = lines.find((line) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(line));
  const v2 = lines.find((line) => line.startsWith('0::'));
  const [dir, limitFile] =
    v1 !== undefined
      ? [join('/sys/fs/cgroup/memory', v1.split(':')[2]!), 'memory.limit_in_bytes']
      : v2 !== undefined
        ? [join('/sys/fs/cgroup', v2.slice(3)), 'memory.max']
        : [undefined, ''];
  if (dir === undefined) return undefined;
  const cgroup = join(dir, `httpserver-bench-${process.pid}`);
  try {
    mkdirSync(cgroup);
    writeFileSync(join(cgroup, limitFile), String(limitMiB * 1024 * 1024));
    const procs = join(cgroup, 'cgroup.procs');
    // cgroup v2 refuses a process in some layouts; a shell that joins and exits tells.
    if (spawnSync('sh', ['-c', 'echo $$ > "$0"', procs]).status !== 0) throw new Error('cannot join');
    const remove = (): void => {
      try {
        rmdirSync(cgroup);
      } catch (error) {
        console.log(`could not remove ${cgroup}: ${(error as Error).message}`);
      }
    };
    return { procs, remove };
  } catch {
    try {
      rmdirSync(cgroup);
    } catch {
      // it was never made
    }
    return undefined;
  }
}

/** The node process: with taskset, exec replaces taskset, so the pid is node's. */
export const pidOf = (server: Server): number => server.child.pid!;

function parseMs(text: string): number {
  const match = /([\d.]+)(us|ms|s)/.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}

/** One wrk run; wrk's own latency distribution gives p50 and p99. */
export function wrk(
  port: number,
  seconds: number,
  connections: number,
  path = '/',
  timeoutSeconds = 5,
): Sample {
  const args = [
    ...LOAD_CPU,
    'wrk',
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    `--timeout`,
    `${timeoutSeconds}s`,
    '--latency',
    ...HEADERS,
    `http://127.0.0.1:${port}${path}`,
  ];
  const result = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const out = result.stdout;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50Ms = parseMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99Ms = parseMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = non2xx + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0);
  if (!Number.isFinite(rps)) throw new Error(`wrk failed: ${out}${result.stderr}`);
  return { requests, rps, p50Ms, p99Ms, errors };
}
