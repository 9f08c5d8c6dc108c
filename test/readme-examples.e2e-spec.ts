import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonObjectsIn } from './support/json-objects';
import { OtlpReceiver } from './support/otlp-receiver';
import { ROOT, shellBlocks, startsTheService } from './support/readme';

// A fresh copy sets itself up (Node 24, npm ci, the build) while three `make run` race for it.
jest.setTimeout(240_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The README's examples that start the service, by the name their `<!-- example: -->` comment gives. */
const EXAMPLES = ['serve', 'tour', 'chain'];

/** The working tree as a fresh clone would have it: tracked and new files, nothing ignored (no node_modules, dist, .toolchain). */
function freshCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'httpserver-readme-'));
  execFileSync(
    'bash',
    [
      '-c',
      `git ls-files -z --cached --others --exclude-standard | tar -c --null --ignore-failed-read -T - 2>/dev/null | tar -x -C "${dir}"`,
    ],
    { cwd: ROOT },
  );
  return dir;
}

/** Runs a script in its own process group, so that what it leaves running can be stopped. */
function runScript(script: string, cwd: string): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
    cwd,
    detached: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

/** SIGTERM to the whole group (make and the services it started), then waits until none is left. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const group = -(child.pid as number);
  const alive = (): boolean => {
    try {
      process.kill(group, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(group, 'SIGTERM');
  for (let waited = 0; waited < 10_000 && alive(); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (alive()) process.kill(group, 'SIGKILL');
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

function example(name: string): string {
  const block = shellBlocks().find((b) => b.example === name);
  if (block === undefined) throw new Error(`README.md has no <!-- example: ${name} --> block`);
  return block.code;
}

describe('the README examples that start the service', () => {
  it('are each run by this test', () => {
    const blocks = shellBlocks().filter((b) => startsTheService(b.code));
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      expect({ line: block.line, example: block.example }).toEqual({
        line: block.line,
        example: expect.stringMatching(new RegExp(`^(${EXAMPLES.join('|')})$`)),
      });
    }
  });

  describe('in a fresh copy of the repository', () => {
    let dir: string;
    beforeAll(() => {
      dir = freshCopy();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('chain: three `make run &` set the copy up once between them, and the call goes through all three', async () => {
      const script = example('chain');
      const receiver = await OtlpReceiver.start('http/protobuf', 4318);
      const { child, done } = runScript(script, dir);
      try {
        const run = await done;
        expect({ code: run.code, stderr: run.stderr.slice(-2000) }).toEqual({
          code: 0,
          stderr: expect.anything(),
        });
        // curl ends the answer with no newline, so a service's access line can follow on its line.
        const answer = jsonObjectsIn(run.stdout).find((o) => Object.hasOwn(o as object, 'backends')) as {
          backends: { outcome: string; body: { backends: { outcome: string }[] } }[];
        };
        expect(answer.backends[0]?.outcome).toBe('ok');
        expect(answer.backends[0]?.body.backends[0]?.outcome).toBe('ok');
        // The set-up ran once: one npm ci, and no make failed.
        expect(run.stdout.match(/added \d+ packages/g) ?? []).toHaveLength(1);
        expect(run.stdout + run.stderr).not.toMatch(/make: \*\*\*|ENOENT/);
        // The spans of the three services reach the collector the example names.
        const traced = (): Set<string> => new Set(receiver.spans.map((s) => s.service));
        for (let waited = 0; waited < 10_000 && traced().size < 3; waited += 200) {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect([...traced()].sort()).toEqual(['service0', 'service1', 'service2']);
      } finally {
        await stopGroup(child);
        await receiver.stop();
      }
    });

    it('serve and tour: `make run` serves on :8080, and every command of the tour succeeds', async () => {
      const lines = example('serve')
        .split('\n')
        .filter((line) => startsTheService(line))
        .map((line) => line.replace(/\s+#.*$/, ''));
      const { child, done } = runScript(`${lines.join(' &\n')} &\nwait`, dir);
      try {
        let ready = 0;
        for (let waited = 0; waited < 60_000 && ready !== 200; waited += 250) {
          ready = await status('http://127.0.0.1:8080/readyz');
          if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(ready).toBe(200);
        const tour = await runScript(example('tour'), dir).done;
        expect({ code: tour.code, stderr: tour.stderr }).toEqual({ code: 0, stderr: '' });
        // What the tour's comments say each command shows.
        expect(tour.stdout).toMatch(/^HTTP\/1\.1 200 OK\r$/m);
        expect(tour.stdout).toMatch(/^X-Demo: hello\r$/m);
        expect(tour.stdout).toMatch(/^Version: \S+\r$/m);
        expect(tour.stdout).toContain('{"status":"ok"');
        expect(tour.stdout).toMatch(/^http_request_duration_seconds_count\{/m);
        expect(tour.stdout).toContain('{"statusCode":404,"error":"Not Found"');
      } finally {
        await stopGroup(child);
        await done;
      }
    });
  });
});
