import { propagation } from '@opentelemetry/api';
import type { Request } from 'express';
import { createServer, request, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../common/config/load-config';
import { createPropagator } from '../common/tracing/create-propagator';
import { traceRequests } from '../common/tracing/trace-requests';
import { BackendClient, PROPAGATED_HEADERS, type BackendAnswer } from './backend-client';
import { PARENT_ID, recordingTracer, TRACE_ID } from '../../test/support/recording-tracer';

/** The headers a backend call carries, without those every HTTP/1.1 call has. */
type Carried = Record<string, string>;

describe('BackendClient: the trace headers a backend call carries', () => {
  const { exporter, provider } = recordingTracer();
  const servers: Server[] = [];
  let client: BackendClient;

  /** Listens on an ephemeral loopback port. */
  async function listen(listener: RequestListener): Promise<number> {
    const server = createServer(listener);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  beforeAll(async () => {
    propagation.setGlobalPropagator(createPropagator());
    // The backend answers with the headers it received.
    const backend = await listen((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ headers: req.headers }));
    });
    client = new BackendClient(loadConfig({ BACKEND_URL: `http://127.0.0.1:${backend}/` }));
  });
  afterAll(async () => {
    propagation.disable();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });
  afterEach(() => exporter.reset());

  /** Sends `headers` to a front whose listener calls the backend, as GET / does, and returns what the backend got. */
  async function carried(headers: Record<string, string>, traced: boolean): Promise<Carried> {
    let answers: Promise<BackendAnswer[]> | undefined;
    const listener: RequestListener = (req, res) => {
      answers = client.callAll(req as Request);
      void answers.then(() => res.end());
    };
    const front = await listen(traced ? traceRequests(provider.getTracer('test'), true)(listener) : listener);
    await new Promise<void>((resolve, reject) => {
      request({ port: front, host: '127.0.0.1', path: '/', headers }, (res) =>
        res.resume().on('end', resolve),
      )
        .on('error', reject)
        .end();
    });
    const [answer] = await answers!;
    const { host, connection, accept, ...rest } = (answer!.body as { headers: Carried }).headers;
    expect({ host: typeof host, connection: typeof connection, accept }).toEqual({
      host: 'string',
      connection: 'string',
      accept: 'application/json',
    });
    return rest;
  }

  it("lists the service propagator's fields, no more and no fewer", () => {
    expect([...PROPAGATED_HEADERS].sort()).toEqual([...createPropagator().fields()].sort());
  });

  // Written afresh, a lone traceparent would gain four B3 headers, and each backend would read
  // them all on the propagator's slow path.
  it.each<[string, Record<string, string>]>([
    ['a lone traceparent', { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00` }],
    [
      'traceparent, tracestate and baggage',
      { traceparent: `00-${TRACE_ID}-${PARENT_ID}-00`, tracestate: 'vendor=x', baggage: 'k=v' },
    ],
    ['B3 in one header', { b3: `${TRACE_ID}-${PARENT_ID}-0` }],
    ['B3 in several headers', { 'x-b3-traceid': TRACE_ID, 'x-b3-spanid': PARENT_ID, 'x-b3-sampled': '0' }],
  ])('passes an unsampled parent in %s on as it came, and nothing else', async (_, headers) => {
    expect(await carried({ ...headers, 'x-other': 'not a trace header' }, true)).toEqual(headers);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('passes every trace header on as it came without tracing', async () => {
    const headers = {
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      b3: `${TRACE_ID}-${PARENT_ID}-1`,
      'x-ot-span-context': 'opaque',
      'x-request-id': 'abc',
    };
    expect(await carried({ ...headers, 'x-other': 'not a trace header' }, false)).toEqual(headers);
  });

  it("writes its client span's context, in every format, for a sampled parent", async () => {
    const got = await carried({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'x-request-id': 'abc' }, true);
    const spanId = got['x-b3-spanid'];
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(spanId).not.toBe(PARENT_ID);
    expect(got).toEqual({
      traceparent: `00-${TRACE_ID}-${spanId}-01`,
      b3: `${TRACE_ID}-${spanId}-1`,
      'x-b3-traceid': TRACE_ID,
      'x-b3-spanid': spanId,
      'x-b3-sampled': '1',
      'x-request-id': 'abc',
    });
  });
});
