import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const CREATE_LOGGER = join(__dirname, '..', 'dist', 'common', 'logging', 'create-logger.js');

/**
 * The built logger in a real process whose stdout is a pipe, as in a container. Lines are written
 * in 8 KiB batches off the request path, so what writes the ones logged just before
 * process.exit() is the destination's 'exit' hook, also while an earlier batch is still on its
 * way. A logger change that batches elsewhere must keep this.
 */
describe('log lines at process exit', () => {
  it.each([
    ['all still pending', 100],
    ['with batches already on their way', 5000],
  ])('writes every line, in order (%s: %i lines)', (_case, count) => {
    const script = `
      const { createLogger } = require(${JSON.stringify(CREATE_LOGGER)});
      const logger = createLogger('info');
      for (let n = 1; n <= ${count}; n++) logger.info({ n }, 'line');
      process.exit(0);
    `;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const numbers = result.stdout
      .trim()
      .split('\n')
      .map((text) => (JSON.parse(text) as { n: number }).n);
    expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });

  it('waits for a reader that stops draining the pipe, and loses no line', async () => {
    const count = 20_000;
    // Touching process.stdout makes a pipe non-blocking (as Nest's console logger does), so write(2)
    // takes part of a batch, then answers EAGAIN while the pipe is full.
    const script = `
      process.stdout;
      const { createLogger } = require(${JSON.stringify(CREATE_LOGGER)});
      const logger = createLogger('info');
      for (let n = 1; n <= ${count}; n++) logger.info({ n }, 'line');
      logger.flush(() => process.exit(0));
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), 500);
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const numbers = Buffer.concat(chunks)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((text) => (JSON.parse(text) as { n: number }).n);
    expect(numbers).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  });
});
