import request from 'supertest';
import { rawRequest } from './support/raw-http';
import { ServerProcess } from './support/server-process';
import { createTestApp, type TestApp } from './support/test-app';

describe('GET / and unknown routes (in-process)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.app.close());

  it('GET / answers JSON with version and hostname', async () => {
    const res = await request(t.app.getHttpServer()).get('/').expect(200);
    expect(res.body).toEqual({ name: 'httpserver', version: 'test-1.0', hostname: expect.any(String) });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers 404 with a JSON body for unknown routes', async () => {
    const res = await request(t.app.getHttpServer()).get('/nope').expect(404);
    expect(res.body.statusCode).toBe(404);
  });

  it('does not advertise the framework', async () => {
    const res = await request(t.app.getHttpServer()).get('/');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});

describe('methods and request targets (the real process)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await ServerProcess.start();
  });
  afterAll(() => server.stop());

  const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`;

  it.each(['//', '/?%', '/?a=%zz'])('%s addresses the root: 200', async (path) => {
    expect((await rawRequest(server.port, GET(path))).status).toBe(200);
  });

  it('HEAD / answers like GET, without a body', async () => {
    const reply = await rawRequest(server.port, 'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(reply.status).toBe(200);
    expect(reply.text.split('\r\n\r\n')[1]).toBe('');
  });

  it('OPTIONS / answers 204 with Allow', async () => {
    const reply = await rawRequest(server.port, 'OPTIONS / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(reply.status).toBe(204);
    expect(reply.text).toMatch(/\r\nAllow: GET, HEAD, OPTIONS\r\n/);
  });
});
