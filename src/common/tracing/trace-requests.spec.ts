import { context, propagation, SpanKind, SpanStatusCode, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  ParentBasedSampler,
  AlwaysOnSampler,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestTrace } from './request-trace';
import { traceRequests } from './trace-requests';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

describe('traceRequests', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  let server: Server;
  let seen: { traceId?: string; spanId?: string; active?: SpanContext };

  beforeAll(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => {
    propagation.disable();
    context.disable();
  });
  afterEach(async () => {
    exporter.reset();
    await new Promise((resolve) => server.close(resolve));
  });

  /**
   * A server whose listener reads the request's trace as the access log does, names the route as
   * the request path does, and reads the context a backend call would run in.
   */
  async function serve(handler: RequestListener, followsParent = true): Promise<number> {
    const wrap = traceRequests(provider.getTracer('test'), followsParent);
    server = createServer(
      wrap((req, res) => {
        const traced = requestTrace(req);
        if (traced !== undefined) traced.route = '/items/:id';
        seen = {
          traceId: traced?.traceId,
          spanId: traced?.spanId,
          active: traced?.run(() => trace.getSpanContext(context.active())),
        };
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

  const finished = async (): Promise<void> => {
    for (let i = 0; i < 50 && exporter.getFinishedSpans().length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('records a server span named after the route, child of the caller, with the HTTP attributes', async () => {
    const port = await serve((_req, res) => res.writeHead(201).end());
    await get(port, '/items/7?secret=1', {
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      'user-agent': 'spec',
    });
    await finished();
    const [span] = exporter.getFinishedSpans();
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
    expect(seen.active).toEqual(span?.spanContext());
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a 5xx answer as an error', async () => {
    const port = await serve((_req, res) => res.writeHead(503).end());
    await get(port, '/');
    await finished();
    const [span] = exporter.getFinishedSpans();
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
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes['error.type']).toBe('client_closed_request');
    expect(span?.attributes['http.response.status_code']).toBeUndefined();
  });

  it('passes a parent that was not sampled on as received, recording nothing', async () => {
    const port = await serve((_req, res) => res.end());
    await get(port, '/', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen).toEqual({
      traceId: TRACE_ID,
      spanId: PARENT_ID,
      active: { traceId: TRACE_ID, spanId: PARENT_ID, traceFlags: 0, isRemote: true },
    });
  });

  it('gives a request its own span id under an unsampled parent when the sampler may not follow parents', async () => {
    const port = await serve((_req, res) => res.end(), false);
    await get(port, '/', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The provider's own sampler is parent-based: it decides not to record, but a span of its own
    // (a new span id) is made, as the SDK does for any sampler.
    expect(seen.traceId).toBe(TRACE_ID);
    expect(seen.spanId).not.toBe(PARENT_ID);
    expect(seen.active).toMatchObject({ traceId: TRACE_ID, spanId: seen.spanId });
  });

  it('gives probes and scrapes no span and no context', async () => {
    const port = await serve((_req, res) => res.end());
    for (const path of ['/healthz', '/metrics'])
      await get(port, path, { traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(seen).toEqual({ traceId: undefined, spanId: undefined, active: undefined });
  });
});
