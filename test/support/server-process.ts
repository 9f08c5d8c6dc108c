import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { get, type Agent, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENAPI_FILE, PACKAGE_JSON } from '../../src/common/config/app-files';
import { commandInCgroup } from './pod-cgroup';

const BUNDLE = join(__dirname, '..', '..', 'dist', 'bundle', 'main.js');
const HEAP_PROBE = join(__dirname, '..', 'fixtures', 'heap-probe.cjs');
const ENV_SPY = join(__dirname, '..', 'fixtures', 'env-spy.cjs');

export interface StartOptions {
  waitReady?: boolean;
  heapProbe?: boolean;
  envSpyFile?: string;
  /** cgroup.procs files the process joins before node starts (test/support/pod-cgroup.ts). */
  cgroupProcs?: string[];
}

export type LogLine = Record<string, unknown> & { level: string; msg: string };

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** Header lines as sent: [name, value, name, value, ...]. */
  rawHeaders: string[];
  body: string;
}

/**
 * The bundle laid out as the image has it (dist/main.js, dist/openapi.json, package.json) in a
 * directory with no node_modules above it, so that a test fails when the bundle needs a package it
 * does not carry. One copy per build, shared by the test files and their workers.
 */
function shippedLayout(): string {
  const { mtimeMs, size } = statSync(BUNDLE);
  const root = join(tmpdir(), `httpserver-bundle-${Math.round(mtimeMs)}-${size}`);
  const main = join(root, 'dist', 'main.js');
  if (existsSync(main)) return main;
  const staging = mkdtempSync(join(tmpdir(), 'httpserver-bundle-staging-'));
  mkdirSync(join(staging, 'dist'));
  copyFileSync(BUNDLE, join(staging, 'dist', 'main.js'));
  copyFileSync(OPENAPI_FILE, join(staging, 'dist', 'openapi.json'));
  copyFileSync(PACKAGE_JSON, join(staging, 'package.json'));
  try {
    renameSync(staging, root);
  } catch {
    rmSync(staging, { recursive: true, force: true }); // another worker's copy won
  }
  removeStaleLayouts(root);
  return main;
}

/** Copies of earlier builds an hour old or more; a newer one may belong to another clone's tests. */
function removeStaleLayouts(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    const dir = join(tmpdir(), name);
    if (!name.startsWith('httpserver-bundle-') || dir === keep) continue;
    try {
      if (Date.now() - statSync(dir).mtimeMs > 3_600_000) rmSync(dir, { recursive: true, force: true });
    } catch {
      // removed meanwhile by another test process
    }
  }
}

/** The built server, as shipped (the bundle dist/bundle/main.js), as a real child process on 127.0.0.1 and a free port. */
export class ServerProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  port = 0;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) if (line !== '') this.lines.push(JSON.parse(line) as LogLine);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Spawns the server. `waitReady: false` returns at once (for start-up failures); `heapProbe`
   * loads test/fixtures/heap-probe.cjs so heapAfterGc() can be asked; `envSpyFile` loads
   * test/fixtures/env-spy.cjs, which writes the names of the variables read to that file at exit.
   */
  static async start(
    env: NodeJS.ProcessEnv = {},
    { waitReady = true, heapProbe = false, envSpyFile, cgroupProcs = [] }: StartOptions = {},
  ): Promise<ServerProcess> {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run "make build" first`);
    const main = shippedLayout();
    const nodeArgs = heapProbe ? ['--expose-gc', '--require', HEAP_PROBE] : [];
    if (envSpyFile !== undefined) {
      nodeArgs.push('--require', ENV_SPY);
      env = { ...env, ENV_SPY_OUT: envSpyFile };
    }
    const node = [process.execPath, ...nodeArgs, main];
    const [command, ...args] = commandInCgroup(cgroupProcs, node);
    const child = spawn(command as string, args, {
      env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', DELAY_MAX_MS: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child);
    if (waitReady) {
      try {
        const listening = await server.waitForLine((line) => line.msg === 'listening');
        server.port = listening.port as number;
      } catch (error) {
        // A process that never started must not outlive the test (Jest would wait for it).
        await server.stop();
        throw error;
      }
    }
    return server;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves with the first log line (already seen or still to come) that matches. */
  async waitForLine(match: (line: LogLine) => boolean, timeoutMs = 5000): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `no matching log line in ${timeoutMs} ms; last of ${this.lines.length} stdout lines: ${JSON.stringify(this.lines.slice(-10))} stderr: ${this.stderr.slice(-2000)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Bytes of heap still reachable after a full collection (needs `heapProbe` at start). */
  async heapAfterGc(timeoutMs = 5000): Promise<number> {
    const seen = this.stderr.length;
    this.child.kill('SIGUSR2');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = /heap-used-after-gc (\d+)\n/.exec(this.stderr.slice(seen));
      if (match) return Number(match[1]);
      if (Date.now() > deadline)
        throw new Error(`no heap report in ${timeoutMs} ms: ${this.stderr.slice(-500)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Waits for the process to exit, killing it if it overstays. */
  async exit(timeoutMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the process if a test left it running. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  get(path: string, headers: Record<string, string | string[]> = {}, agent?: Agent): Promise<HttpResult> {
    return new Promise((resolve, reject) => {
      get(this.url(path), { headers, agent: agent ?? false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body }),
        );
      }).on('error', reject);
    });
  }
}
