// Bytes allocated per request, by package: where a server's garbage comes from. Allocation drives
// GC, and GC is most of the latency tail under load (README "Performance").
//
//   ./scripts/with-node.sh node bench/allocations.mts [server script, default dist/main.js]
//
// Starts the server pinned to core 0 with the delay off, warms it up with wrk (core 1), then
// samples every allocation, collected or not, during 5 s of 50 connections.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = process.argv[2] ?? 'dist/main.js';
const port = 19500 + Math.floor(Math.random() * 400);
const dir = mkdtempSync(join(tmpdir(), 'allocations-'));
const profileFile = join(dir, 'profile.json');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const wrk = (seconds: number): string =>
  spawnSync(
    'taskset',
    ['-c', '1', 'wrk', '-t1', '-c50', `-d${seconds}s`, '-H', 'X-Bench: 1', `http://127.0.0.1:${port}/`],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  ).stdout;

/** The package an allocation site belongs to: node_modules package, node: builtin, or our file. */
function owner(url: string, functionName: string): string {
  if (url === '') return `(native) ${functionName}`;
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  if (url.startsWith('node:')) return url;
  return url.replace(/^.*?\/(dist|bench)\//, '$1/');
}

const child = spawn(
  'taskset',
  ['-c', '0', process.execPath, '--import', join(ROOT, 'bench/fixtures/allocation-sampler.mjs'), script],
  {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      DELAY_MAX_MS: '0',
      ALLOCATION_PROFILE: profileFile,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  },
);
try {
  for (let i = 0; ; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 150) throw new Error(`${script} did not start`);
    await sleep(100);
  }
  wrk(3);
  child.kill('SIGUSR2');
  const out = wrk(5);
  child.kill('SIGUSR2');
  for (let i = 0; !existsSync(profileFile); i++) {
    if (i > 100) throw new Error('no allocation profile written');
    await sleep(100);
  }
  await sleep(200); // the file is written in one call; let it land
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const byOwner = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode): void => {
    const key = owner(node.callFrame.url, node.callFrame.functionName);
    byOwner.set(key, (byOwner.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    node.children.forEach(walk);
  };
  walk((JSON.parse(readFileSync(profileFile, 'utf8')) as { head: ProfileNode }).head);
  console.log(
    `${script}: ${requests} requests sampled, ${Math.round(total / requests)} bytes allocated per request`,
  );
  for (const [key, bytes] of [...byOwner].sort((x, y) => y[1] - x[1]).slice(0, 15)) {
    console.log(`${String(Math.round(bytes / requests)).padStart(8)}  ${key}`);
  }
} finally {
  child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
