import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app';

describe('probes (in-process)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.app.close());

  const status = async (path: string): Promise<number> =>
    (await request(t.app.getHttpServer()).get(path)).status;

  it('is alive and healthy but not ready before the server listens', async () => {
    expect(await status('/livez')).toBe(200);
    expect(await status('/healthz')).toBe(200);
    expect(await status('/readyz')).toBe(503);
  });

  it('is ready once listening', async () => {
    t.lifecycle.markListening();
    const res = await request(t.app.getHttpServer()).get('/readyz').expect(200);
    expect(res.body.status).toBe('ok');
  });

  it('fails readiness and health, but not liveness, once shutdown begins', async () => {
    t.lifecycle.markListening();
    t.lifecycle.markShuttingDown();
    expect(await status('/readyz')).toBe(503);
    expect(await status('/healthz')).toBe(503);
    expect(await status('/livez')).toBe(200);
  });

  it('asks clients to close their connection once shutdown begins', async () => {
    t.lifecycle.markShuttingDown();
    const res = await request(t.app.getHttpServer()).get('/');
    expect(res.headers.connection).toBe('close');
    const missing = await request(t.app.getHttpServer()).get('/missing');
    expect(missing.headers.connection).toBe('close');
  });
});
