// Runs inside the virtual machine that scripts/vm/cgroup-v2.sh boots, where cgroup v2 is the only
// hierarchy (as on most Kubernetes nodes today; this project's own machine has only v1). The bundle
// in a pod-shaped cgroup, seen from the host and from a container's own cgroup namespace: the
// limits the service reads, its stress bounds, the CPU quota, and memory given back. The machine is
// emulated, so nothing here is timed except against generous bounds.
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandInCgroup, makePodCgroup } from '../support/pod-cgroup.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MiB = 1024 * 1024;
const CGROUP_FS = '/sys/fs/cgroup';
const PORT = 8080;
let passed = 0;
let failed = 0;

function check(description: string, ok: boolean, detail: string): void {
  if (ok) passed += 1;
  else failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} - ${description}: ${detail}`);
}

async function call(method: string, path: string): Promise<{ status: number; body: string }> {
  const answer = await fetch(`http://127.0.0.1:${PORT}${path}`, { method });
  return { status: answer.status, body: await answer.text() };
}

/**
 * `command` in the pod's cgroup; as a container it also gets its own cgroup namespace and a cgroup2
 * mount whose root is that cgroup, which is what a container sees.
 */
function inPod(procs: string, asContainer: boolean, command: string[]): string[] {
  const asSeenByContainer = `umount ${CGROUP_FS} && mount -t cgroup2 none ${CGROUP_FS} && exec "$@"`;
  return commandInCgroup(
    [procs],
    asContainer
      ? ['unshare', '--cgroup', '--mount', 'sh', '-c', asSeenByContainer, 'container', ...command]
      : command,
  );
}

/** Starts the bundle in the cgroup, as a container (own cgroup and mount namespaces) or not. */
async function startService(procs: string, asContainer: boolean): Promise<ReturnType<typeof spawn>> {
  const [command, ...args] = inPod(procs, asContainer, [process.execPath, join(ROOT, 'dist/bundle/main.js')]);
  const child = spawn(command as string, args, {
    env: {
      PATH: process.env.PATH,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      CONTROL_ENABLED: 'true',
      LOG_LEVEL: 'warn',
      DELAY_MAX_MS: '0',
      NODE_OPTIONS: '--max-semi-space-size=8',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Emulated and held to 500m, start-up takes tens of seconds.
  const deadline = Date.now() + 180_000;
  while (
    !(await call('GET', '/readyz').then(
      (r) => r.status === 200,
      () => false,
    ))
  ) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the service did not become ready');
    await sleep(250);
  }
  return child;
}

async function stopService(child: ReturnType<typeof spawn>): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

async function limits(): Promise<{ cores: number; mib: number }> {
  return (JSON.parse((await call('GET', '/stress')).body) as { limits: { cores: number; mib: number } })
    .limits;
}

const cgroupLine = readFileSync('/proc/self/cgroup', 'utf8').trim();
check('cgroup v2 is the only hierarchy', cgroupLine.startsWith('0::'), cgroupLine);
check(
  'the machine has more CPUs than the pod may use',
  availableParallelism() >= 2,
  `${availableParallelism()}`,
);

const cgroup = makePodCgroup(512, 0.5);
if (typeof cgroup === 'string') throw new Error(cgroup);
const procs = cgroup.procs[0] as string;
const dir = dirname(procs);
const read = (file: string): string => readFileSync(join(dir, file), 'utf8').trim();
try {
  check('makePodCgroup: memory.max is 512 MiB', read('memory.max') === String(512 * MiB), read('memory.max'));
  check('makePodCgroup: cpu.max is 500m', read('cpu.max') === '50000 100000', read('cpu.max'));
  check('makePodCgroup: no swap, as in a pod', read('memory.swap.max') === '0', read('memory.swap.max'));
  const [probeCommand, ...probeArgs] = inPod(procs, true, [
    'cat',
    '/proc/self/cgroup',
    `${CGROUP_FS}/cpu.max`,
  ]);
  const probe = spawnSync(probeCommand as string, probeArgs, {
    encoding: 'utf8',
  });
  const containerView = probe.stdout.trim().replace(/\n/g, ', ');
  check(
    'a container sees its cgroup as the root, with its quota there',
    containerView === '0::/, 50000 100000',
    containerView || probe.stderr,
  );

  for (const asContainer of [false, true]) {
    const view = asContainer ? 'in its own cgroup namespace' : 'seen from the host';
    const service = await startService(procs, asContainer);
    if (!asContainer) {
      const seen = readFileSync(`/proc/${service.pid}/cgroup`, 'utf8').trim();
      check(
        `${view}: the process is in the pod's cgroup`,
        seen === `0::${dir.slice(CGROUP_FS.length)}`,
        seen,
      );
    }
    const { cores, mib } = await limits();
    check(`${view}: the CPUs it may use`, cores === 1, `${cores}`);
    // 75% of 512 MiB less what the process already uses.
    check(`${view}: the memory stress bound`, mib > 200 && mib < 384, `${mib} MiB`);
    check(
      `${view}: two cores refused`,
      (await call('POST', '/stress/cpu?cores=2')).status === 400,
      'cores=2',
    );
    if (!asContainer) {
      check(
        'memory past the bound refused',
        (await call('POST', `/stress/memory?mib=${mib + 1}`)).status === 400,
        `${mib + 1} MiB`,
      );
      const held = await call('POST', `/stress/memory?mib=${mib - 16}&seconds=15`);
      check('memory near the bound held', held.status === 200, `${mib - 16} MiB: ${held.status}`);
      await sleep(10_000);
      const holding = Number(read('memory.current')) / MiB;
      check(
        'while holding it the pod stays under its limit',
        holding < 512,
        `memory.current ${holding.toFixed(0)} MiB`,
      );
      check('and answers', (await call('GET', '/healthz')).status === 200, '/healthz');
      await sleep(10_000);
      const after = Number(read('memory.current')) / MiB;
      check('after it the memory goes back', after < 150, `memory.current ${after.toFixed(0)} MiB`);
      const events = read('memory.events');
      check('never OOM-killed', /^oom_kill 0$/m.test(events), events.replace(/\n/g, ', '));

      const usage = (): number => Number(/^usage_usec (\d+)$/m.exec(read('cpu.stat'))?.[1]);
      const throttled = (): number => Number(/^nr_throttled (\d+)$/m.exec(read('cpu.stat'))?.[1]);
      check(
        'one core of stress',
        (await call('POST', '/stress/cpu?cores=1&seconds=30')).status === 200,
        'cores=1',
      );
      await sleep(2000);
      const [u0, t0, w0] = [usage(), throttled(), Date.now()];
      await sleep(10_000);
      const used = (usage() - u0) / 1000 / (Date.now() - w0);
      check('held to the 500m quota', used > 0.4 && used < 0.55, `${used.toFixed(3)} cores`);
      check('by throttling', throttled() - t0 > 50, `${throttled() - t0} of about 100 periods throttled`);
      await call('DELETE', '/stress');
    }
    check(`${view}: SIGTERM exits 0`, (await stopService(service)) === 0, 'exit code');
  }
} finally {
  cgroup.remove();
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
