import { spawnSync } from 'node:child_process';
import { ServerProcess } from '../support/server-process';
import { render } from './support/helm';
import { findOne } from './support/manifests';

jest.setTimeout(30_000);

/** The `helm test` pod's script, run with node against the real server instead of the Service. */
function runHookAgainst(server: ServerProcess, set: string[]): { status: number | null; output: string } {
  const pod = findOne(render(4, { set }), 'Pod');
  const container = pod.spec.containers[0];
  expect(container.command).toEqual(['/nodejs/bin/node', '-e']);
  const script = (container.args[0] as string).replace('http://rel-httpserver:80', server.url(''));
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 15_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the helm test hook', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start({ VERSION: '1.2.3' });
  });
  afterAll(() => server.stop());

  it('passes when /healthz is 200 with the configured Version', () => {
    const { status, output } = runHookAgainst(server, ['config.version=1.2.3']);
    expect(output).toContain('200, Version: 1.2.3');
    expect(status).toBe(0);
  });

  it('passes with any non-empty Version when none is configured', () => {
    expect(runHookAgainst(server, []).status).toBe(0);
  });

  it('fails when the Version differs from the configured one', () => {
    expect(runHookAgainst(server, ['config.version=9.9.9']).status).toBe(1);
  });

  it('fails when the service does not answer', async () => {
    const stopped = await ServerProcess.start();
    await stopped.stop();
    const { status, output } = runHookAgainst(stopped, []);
    expect(status).toBe(1);
    expect(output).toMatch(/ECONNREFUSED|fetch failed/);
  });
});
