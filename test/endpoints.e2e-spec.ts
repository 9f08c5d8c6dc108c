import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app';

describe('every response (in-process)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ ECHO_HEADERS_EXCLUDE: 'X-Private' });
  });
  afterAll(() => t.app.close());

  it('GET / answers JSON with version and hostname', async () => {
    const res = await request(t.app.getHttpServer()).get('/').expect(200);
    expect(res.body).toEqual({ name: 'httpserver', version: 'test-1.0', hostname: expect.any(String) });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it.each(['/', '/healthz', '/livez', '/metrics', '/no/such/route'])(
    'echoes request headers and sets Version on %s',
    async (path) => {
      const res = await request(t.app.getHttpServer())
        .get(path)
        .set('X-Custom', 'hello world')
        .set('Accept-Language', 'en;q=0.8');
      expect(res.headers['x-custom']).toBe('hello world');
      expect(res.headers['accept-language']).toBe('en;q=0.8');
      expect(res.headers.version).toBe('test-1.0');
    },
  );

  it('does not echo denied or excluded headers', async () => {
    const res = await request(t.app.getHttpServer())
      .get('/')
      .set('Content-Type', 'text/html')
      .set('Set-Cookie', 'session=evil')
      .set('Version', 'forged')
      .set('Proxy-Authorization', 'Basic abc')
      .set('X-Private', 'hidden');
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers.version).toBe('test-1.0');
    expect(res.headers['proxy-authorization']).toBeUndefined();
    expect(res.headers['x-private']).toBeUndefined();
  });

  it('keeps a sane incoming x-request-id and replaces a bad one', async () => {
    const kept = await request(t.app.getHttpServer()).get('/').set('X-Request-Id', 'abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await request(t.app.getHttpServer()).get('/').set('X-Request-Id', 'a b');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await request(t.app.getHttpServer()).get('/');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
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
