import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cpuLimit, ownCgroups, type CgroupFiles } from './process-limits';

describe('cpuLimit', () => {
  let dir: string;
  let files: CgroupFiles;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cgroups-'));
    files = { procSelfCgroup: join(dir, 'proc-self-cgroup'), root: join(dir, 'sys-fs-cgroup') };
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes /proc/self/cgroup and the cgroup files, by their paths under /sys/fs/cgroup. */
  function machine(procSelfCgroup: string, cgroupFiles: Record<string, string>): void {
    writeFileSync(files.procSelfCgroup, procSelfCgroup);
    for (const [path, content] of Object.entries(cgroupFiles)) {
      mkdirSync(dirname(join(files.root, path)), { recursive: true });
      writeFileSync(join(files.root, path), `${content}\n`);
    }
  }

  const V1 = '5:memory:/kubepods/pod1/ctr\n2:cpu,cpuacct:/kubepods/pod1/ctr\n1:name=systemd:/\n';

  it('v1: the quota over the period, whole CPUs, at least one', () => {
    const quota = (us: number): Record<string, string> => ({
      'cpu/cpu.cfs_quota_us': '-1',
      'cpu/cpu.cfs_period_us': '100000',
      'cpu/kubepods/pod1/ctr/cpu.cfs_quota_us': String(us),
      'cpu/kubepods/pod1/ctr/cpu.cfs_period_us': '100000',
    });
    machine(V1, quota(50_000));
    expect(cpuLimit(files, 8)).toBe(1);
    machine(V1, quota(250_000));
    expect(cpuLimit(files, 8)).toBe(2);
    machine(V1, quota(-1));
    expect(cpuLimit(files, 8)).toBe(8);
  });

  it('v1: the smallest quota on the way up, and never more than the CPUs there are', () => {
    machine(V1, {
      'cpu/kubepods/pod1/cpu.cfs_quota_us': '300000',
      'cpu/kubepods/pod1/cpu.cfs_period_us': '100000',
      'cpu/kubepods/pod1/ctr/cpu.cfs_quota_us': '600000',
      'cpu/kubepods/pod1/ctr/cpu.cfs_period_us': '100000',
    });
    expect(cpuLimit(files, 8)).toBe(3);
    expect(cpuLimit(files, 2)).toBe(2);
  });

  it('v2 in its own cgroup namespace, as a container sees it: cpu.max at the root of the mount', () => {
    machine('0::/\n', { 'cpu.max': '50000 100000' });
    expect(cpuLimit(files, 2)).toBe(1);
    machine('0::/\n', { 'cpu.max': '400000 100000' });
    expect(cpuLimit(files, 8)).toBe(4);
    machine('0::/\n', { 'cpu.max': 'max 100000' });
    expect(cpuLimit(files, 8)).toBe(8);
  });

  it('v2 seen from the host: the smallest cpu.max on the way up, "max" being none', () => {
    machine('0::/kubepods.slice/pod1.slice/ctr.scope\n', {
      'kubepods.slice/cpu.max': 'max 100000',
      'kubepods.slice/pod1.slice/cpu.max': '200000 100000',
      'kubepods.slice/pod1.slice/ctr.scope/cpu.max': 'max 100000',
    });
    expect(cpuLimit(files, 8)).toBe(2);
  });

  it('hybrid: the v1 cpu controller wins over the empty v2 hierarchy beside it', () => {
    machine(`${V1}0::/user.slice\n`, {
      'cpu/kubepods/pod1/ctr/cpu.cfs_quota_us': '100000',
      'cpu/kubepods/pod1/ctr/cpu.cfs_period_us': '100000',
      'user.slice/cpu.max': '400000 100000',
    });
    expect(cpuLimit(files, 8)).toBe(1);
  });

  it('no cgroup files, or files it cannot read: the CPUs there are', () => {
    expect(cpuLimit(files, 4)).toBe(4);
    machine('0::/\n', { 'cpu.max': 'garbage' });
    expect(cpuLimit(files, 4)).toBe(4);
  });
});

describe('ownCgroups', () => {
  it('maps each controller to its path, "" to the unified hierarchy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cgroups-'));
    try {
      const file = join(dir, 'cgroup');
      writeFileSync(file, '4:memory:/a\n2:cpu,cpuacct:/b\n0::/c\n');
      expect([...ownCgroups(file)]).toEqual([
        ['memory', '/a'],
        ['cpu', '/b'],
        ['cpuacct', '/b'],
        ['', '/c'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
