// Bytes allocated per request, by package: where a server's garbage comes from. Allocation drives
// GC, and GC is most of the latency tail under load (README "Performance").
//
//   ./scripts/with-node.sh node bench/allocations.mts [server script, default dist/main.js]
//
// The default is the compiled tree, not the bundle the image ships: the same code, but there each
// allocation site's file names its package.
// Starts the server pinned to core 0 with the delay off, warms it up with wrk (core 1), then
// samples every allocation, collected or not, during 5 s of 50 connections.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, sleep, start, stop, wrk } from './servers.mts';

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}

/** The package an allocation site belongs to: node_modules package, node: builtin, or our file. */
function owner({ url, functionName }: ProfileNode['callFrame']): string {
  if (url === '') return `(native) ${functionName}`;
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1]!;
  if (url.startsWith('node:')) return url;
  return url.replace(/^.*?\/(dist|bench)\//, '$1/');
}

const script = process.argv[2] ?? 'dist/main.js';
const dir = mkdtempSync(join(tmpdir(), 'allocations-'));
const profileFile = join(dir, 'profile.json');
const server = await start(
  script,
  ['--import', join(ROOT, 'bench/fixtures/allocation-sampler.mjs'), script],
  { DELAY_MAX_MS: '0', ALLOCATION_PROFILE: profileFile },
);
try {
  wrk(server.port, 3, 50);
  server.child.kill('SIGUSR2'); // starts sampling
  const { requests } = wrk(server.port, 5, 50);
  server.child.kill('SIGUSR2'); // writes the profile
  for (let i = 0; !existsSync(profileFile); i++) {
    if (i > 100) throw new Error('no allocation profile written');
    await sleep(100);
  }
  const byOwner = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode): void => {
    const key = owner(node.callFrame);
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
  await stop(server);
  rmSync(dir, { recursive: true, force: true });
}
