import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/free-port';

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data: T;
  error?: string;
}

/**
 * A real Prometheus (Debian's package) on 127.0.0.1 with its own data directory, started with the
 * given configuration; `files` are written beside prometheus.yml (rules, file_sd targets).
 */
export class PrometheusProcess {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
    readonly port: number,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(config: string, files: Record<string, string> = {}): Promise<PrometheusProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'httpserver-prometheus-'));
    writeFileSync(join(dir, 'prometheus.yml'), config);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const prometheus = new PrometheusProcess(child, dir, port);
    await prometheus.waitUntil(
      async () => (await fetch(prometheus.url('/-/ready')).catch(() => null))?.ok === true,
      15_000,
      'ready',
    );
    return prometheus;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async api<T>(path: string, params: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    const response = await fetch(`${this.url(path)}?${new URLSearchParams(params).toString()}`);
    return (await response.json()) as ApiAnswer<T>;
  }

  /** An instant query; throws with Prometheus's own message when it is not valid. */
  async query(expr: string): Promise<Sample[]> {
    const answer = await this.api<{ result: Sample[] }>('/api/v1/query', { query: expr });
    if (answer.status !== 'success') throw new Error(`query ${expr}: ${answer.error}`);
    return answer.data.result;
  }

  async scalar(expr: string): Promise<number | undefined> {
    const [first] = await this.query(expr);
    return first === undefined ? undefined : Number(first.value[1]);
  }

  /** Polls (never sleeps blindly) until check() is true, or fails after timeoutMs. */
  async waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`Prometheus: ${what} not reached in ${timeoutMs} ms. Its log:\n${this.output}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
