import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app';

const MIN_MS = 200;
const MAX_MS = 400;

async function timed(server: unknown, path: string): Promise<number> {
  const started = performance.now();
  await request(server as Parameters<typeof request>[0]).get(path);
  return performance.now() - started;
}

describe('random delay (in-process)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ DELAY_MIN_MS: String(MIN_MS), DELAY_MAX_MS: String(MAX_MS) });
  });
  afterAll(() => t.app.close());

  it('delays each request within [DELAY_MIN_MS, DELAY_MAX_MS]', async () => {
    const server = t.app.getHttpServer();
    const times = await Promise.all(Array.from({ length: 20 }, () => timed(server, '/')));
    // Timers never fire early; the upper margin allows for a loaded machine.
    expect(Math.min(...times)).toBeGreaterThanOrEqual(MIN_MS - 1);
    expect(Math.max(...times)).toBeLessThan(MAX_MS + 250);
  });

  it.each(['/healthz', '/livez', '/readyz', '/metrics'])('never delays %s', async (path) => {
    expect(await timed(t.app.getHttpServer(), path)).toBeLessThan(MIN_MS);
  });
});
