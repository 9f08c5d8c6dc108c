import { propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestTrace } from './request-trace';
import { traceRequests } from './trace-requests';
import { PARENT_ID, recordingTracer, TRACE_ID } from '../../../test/support/recording-tracer';

describe('traceRequests', () => {
  const { exporter, provider } = recordingTracer();
  let server: Server;
  let seen: { traceId?: string; spanId?: string; passedOn?: string };
  /** Every header the backend call was given, and whether the request's trace writes them. */
  let passed: Record<string, string>;
  let writes: boolean | undefined;

  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(() => {
    propagation.disable();
  });
  afterEach(async () => {
    exporter.reset();
    await new Promise((resolve) => server.close(resolve));
  });

  /**
   * A server whose listener reads the request's trace as the access log does, names the route as
   * the request path does, and makes one backend call's headers, answered 200.
   */
  async function serve(handler: RequestListener, followsParent = true): Promise<number> {
    const wrap = traceRequests(provider.getTracer('test'), followsParent);
    server = createServer(
      wrap((req, res) => {
        const traced = requestTrace(req);
        if (traced !== undefined) traced.route = '/items/:id';
        const headers: Record<string, string> = {};
        traced?.startBackendCall(
          new URL('http://user:secret@backend.test:8081/items?x=1'),
          headers,
        )({
          status: 200,
        });
        seen = { traceId: traced?.traceId, spanId: traced?.spanId, passedOn: headers.traceparent };
        passed = headers;
        writes = traced?.writesTraceHeaders;
        handler(req, res);
      }),
    );
    // Dual stack, as the service listens by default: an IPv4 client is then ::ffff:127.0.0.1.
    await new Promise<void>((resolve) => server.listen(0, '::', resolve));
    return (server.address() as AddressInfo).port;
  }

  function get(port: number, path: string, headers: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve, reject) => {
      request({ port, host: '127.0.0.1', path, headers }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });
  }

  /** The server span, once it has ended (after the client span, ended in the listener). */
  const finished = async (): Promise<void> => {
    for (let i = 0; i < 50 && !exporter.getFinishedSpans().some((s) => s.kind === SpanKind.SERVER); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const serverSpan = () => exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER);

  it('records a server span named after the route, child of the caller, with the HTTP attributes', async () => {
    const port = await serve((_req, res) => res.writeHead(201).end());
    await get(port, '/items/7?secret=1', {
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      'user-agent': 'spec',
    });
    await finished();
    const span = serverSpan();
    expect(span).toMatchObject({
      name: 'GET /items/:id',
      kind: SpanKind.SERVER,
      parentSpanContext: { spanId: PARENT_ID },
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/items/:id',
        'http.response.status_code': 201,
        'url.path': '/items/7',
        'url.scheme': 'http',
        'server.address': '127.0.0.1',
        'client.address': '127.0.0.1',
        'user_agent.original': 'spec',
        'network.protocol.version': '1.1',
      },
    });
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(seen.spanId).toBe(span?.spanContext().spanId);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('gives a backend call a client span under the server span, and passes it on', async () => {
    const port = await serve((_req, res) => res.end());
    await get(port, '/items/7', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
    await finished();
    const client = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT);
    expect(client).toMatchObject({
      name: 'GET',
      parentSpanContext: { spanId: serverSpan()?.spanContext().spanId },
      attributes: {
        'http.request.method': 'GET',
        'server.address': 'backend.test',
        'server.port': 8081,
        'url.full': 'http://backend.test:8081/items?x=1',
        'http.response.status_code': 200,
      },
    });
    expect(client?.spanContext().traceId).toBe(TRACE_ID);
    expect(seen.passedOn).toBe(`00-${TRACE_ID}-${client?.spanContext().spanId}-01`);
    expect(writes).toBe(true);
  });

  it('marks a 5xx answer as an error', async () => {
    const port = await serve((_req, res) => res.writeHead(503).end());
    await get(port, '/');
    await finished();
    const span = serverSpan();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('503');
  });

  it('marks a request its client abandoned', async () => {
    const port = await serve(() => {
      // never answers: the client goes away
    });
    const req = request({ port, host: '127.0.0.1', path: '/' }).on('error', () => undefined);
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    req.destroy();
    await finished();
    const span = serverSpan();
    expect(span?.attributes['error.type']).toBe('client_closed_request');
    expect(span?.attributes['http.response.status_code']).toBeUndefined();
  });

  // Its backend calls then carry the trace headers it came with: backend-client.spec.ts.
  it('writes no trace headers under a parent that was not sampled, recording nothing', async () => {
    const port = await serve((_req, res) => res.end());
    await get(port, '/', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen).toEqual({ traceId: TRACE_ID, spanId: PARENT_ID, passedOn: undefined });
    expect({ writes, passed }).toEqual({ writes: false, passed: {} });
  });

  it('gives a request its own span id under an unsampled parent when the sampler may not follow parents', async () => {
    const port = await serve((_req, res) => res.end(), false);
    await get(port, '/', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The provider's own sampler is parent-based: it decides not to record, but a span of its own
    // (a new span id) is made, as the SDK does for any sampler.
    expect(seen.traceId).toBe(TRACE_ID);
    expect(seen.spanId).not.toBe(PARENT_ID);
    // Its backend call is a span of its own too, not recorded either.
    expect(seen.passedOn).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
    expect(seen.passedOn).not.toContain(PARENT_ID);
    expect(seen.passedOn).not.toContain(seen.spanId);
  });

  it('gives probes and scrapes no span and no context', async () => {
    const port = await serve((_req, res) => res.end());
    for (const path of ['/healthz', '/metrics'])
      await get(port, path, { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen).toEqual({ traceId: undefined, spanId: undefined, passedOn: undefined });
  });
});
