import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app';

describe('/metrics (in-process)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.app.close());

  const scrape = async (): Promise<string> =>
    (await request(t.app.getHttpServer()).get('/metrics').expect(200)).text;

  // First in this file: it needs a scrape before any other request.
  it('exposes the GET 200 series of every route at zero before any request, so rate() sees the first ones', async () => {
    const text = await scrape();
    for (const route of ['/', '/healthz', '/livez', '/readyz']) {
      expect(text).toContain(
        `http_request_duration_seconds_count{method="GET",route="${route}",status_code="200"} 0`,
      );
    }
  });

  it('times requests by method, route template and status', async () => {
    const server = t.app.getHttpServer();
    await request(server).get('/').expect(200);
    await request(server).get('/healthz').expect(200);
    await request(server).get('/random/a').expect(404);
    await request(server).get('/random/b').expect(404);
    const text = await scrape();
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/",status_code="200"} 1');
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/healthz",status_code="200"} 1',
    );
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 2',
    );
    expect(text).not.toContain('/random');
  });

  it('has buckets with a boundary at exactly 2 s', async () => {
    const text = await scrape();
    const bounds = [
      ...text.matchAll(/http_request_duration_seconds_bucket\{le="([^"]+)",method="GET",route="\/",/g),
    ].map((match) => match[1]);
    expect(bounds).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '0.75',
      '1',
      '1.25',
      '1.5',
      '1.75',
      '2',
      '2.5',
      '5',
      '10',
      '+Inf',
    ]);
  });

  it('exposes build info, the in-flight gauge and the default process metrics', async () => {
    const text = await scrape();
    expect(text).toContain('httpserver_build_info{version="test-1.0"} 1');
    // A scrape does not count itself: with nothing else running the gauge reads 0.
    expect(text).toMatch(/^http_requests_in_flight 0$/m);
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
