import { execFileSync, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { type Manifest, parseManifests } from './manifests';

export const ROOT = resolve(__dirname, '..', '..', '..');
export const CHART = join(ROOT, 'helm', 'httpserver');
export type HelmMajor = 3 | 4;

const binaries = new Map<HelmMajor, string>();

/** Path of a real Helm binary, fetched into .toolchain/ on first use (scripts/ensure-helm.sh). */
export function helmBinary(major: HelmMajor): string {
  let path = binaries.get(major);
  if (path === undefined) {
    path = execFileSync(join(ROOT, 'scripts', 'ensure-helm.sh'), [String(major)], {
      encoding: 'utf8',
    }).trim();
    binaries.set(major, path);
  }
  return path;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(major: HelmMajor, args: string[]): HelmResult {
  const result = spawnSync(helmBinary(major), args, { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

export interface RenderOptions {
  valuesFiles?: string[];
  set?: string[];
  /** --set-json assignments, for numbers Helm's --set would turn into strings (0.2). */
  setJson?: string[];
  kubeVersion?: string;
  chart?: string;
}

/** Arguments shared by lint and template. */
export function valueArgs(options: RenderOptions): string[] {
  return [
    ...(options.valuesFiles ?? []).flatMap((file) => ['--values', file]),
    ...(options.set ?? []).flatMap((assignment) => ['--set', assignment]),
    ...(options.setJson ?? []).flatMap((assignment) => ['--set-json', assignment]),
  ];
}

/** `helm template` with the CRD API versions a cluster with the Prometheus Operator and cert-manager has. */
export function template(major: HelmMajor, options: RenderOptions = {}): HelmResult {
  return helm(major, [
    'template',
    'rel',
    options.chart ?? CHART,
    '--namespace',
    'demo',
    '--kube-version',
    options.kubeVersion ?? '1.35.0',
    '--api-versions',
    'monitoring.coreos.com/v1',
    '--api-versions',
    'cert-manager.io/v1',
    ...valueArgs(options),
  ]);
}

export function render(major: HelmMajor, options: RenderOptions = {}): Manifest[] {
  const result = template(major, options);
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return parseManifests(result.stdout);
}
