import { randomBytes } from 'node:crypto';
import { OTLP_PROTOCOLS, type OtlpProtocol } from '../src/common/config/app-config';
import { OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';
import { ServerProcess } from './support/server-process';

jest.setTimeout(30_000);

const SERVER = 2;
const CLIENT = 3;
const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** service0 -> service1 -> service2, each exporting to the receiver every 100 ms in its protocol. */
async function startChain(receiver: OtlpReceiver): Promise<ServerProcess[]> {
  const tracing = (name: string) => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: receiver.protocol,
    OTEL_SERVICE_NAME: name,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  const service2 = await ServerProcess.start(tracing('service2'));
  const service1 = await ServerProcess.start({ ...tracing('service1'), BACKEND_URL: service2.url('/') });
  const service0 = await ServerProcess.start({ ...tracing('service0'), BACKEND_URL: service1.url('/') });
  return [service0, service1, service2];
}

/** The server span of `service` in this trace, and the client span it made, if any. */
function spansOf(spans: ReceivedSpan[], service: string): { server?: ReceivedSpan; client?: ReceivedSpan } {
  return {
    server: spans.find((s) => s.service === service && s.kind === SERVER),
    client: spans.find((s) => s.service === service && s.kind === CLIENT),
  };
}

const complete = (spans: ReceivedSpan[]): boolean =>
  ['service0', 'service1', 'service2'].every((service) => spansOf(spans, service).server !== undefined) &&
  ['service0', 'service1'].every((service) => spansOf(spans, service).client !== undefined);

describe.each(OTLP_PROTOCOLS)(
  'tracing across a chain of three services, OTLP %s',
  (protocol: OtlpProtocol) => {
    let receiver: OtlpReceiver;
    let chain: ServerProcess[];
    beforeAll(async () => {
      receiver = await OtlpReceiver.start(protocol);
      chain = await startChain(receiver);
    });
    afterAll(async () => {
      await Promise.all(chain.map((s) => s.stop()));
      await receiver.stop();
    });

    /** Checks one trace: parent links from the caller's span down to service2, and the log lines. */
    async function expectOneTrace(traceId: string, callerSpanId: string, requestId: string): Promise<void> {
      const spans = await receiver.waitForTrace(traceId, complete);
      const [s0, s1, s2] = ['service0', 'service1', 'service2'].map((name) => spansOf(spans, name));
      expect(s0!.server!.parentSpanId).toBe(callerSpanId);
      expect(s0!.client!.parentSpanId).not.toBe('');
      expect(s1!.server!.parentSpanId).toBe(s0!.client!.spanId);
      expect(s2!.server!.parentSpanId).toBe(s1!.client!.spanId);
      // Every span of the request is in the one trace.
      expect(spans.every((s) => s.traceId === traceId)).toBe(true);
      // Each server span is named after its route, and is the request's only span besides the
      // backend calls: no span per Express layer.
      for (const [name, { server }] of [
        ['service0', s0!],
        ['service1', s1!],
        ['service2', s2!],
      ] as const) {
        expect({ name: server!.name, route: server!.attributes['http.route'] }).toEqual({
          name: 'GET /',
          route: '/',
        });
        const own = spans.filter((s) => s.service === name);
        expect(own).toHaveLength(name === 'service2' ? 1 : 2);
      }

      // x-request-id reached the last service, and every access-log line names the trace.
      for (const [index, service] of chain.entries()) {
        const line = await service.waitForLine((l) => l.reqId === requestId && l.msg === 'request completed');
        expect(line.trace_id).toBe(traceId);
        expect(line.span_id).toBe(spansOf(spans, `service${index}`).server!.spanId);
      }
    }

    it('joins a W3C traceparent: one trace, parent links intact, x-request-id passed on', async () => {
      const traceId = hex(16);
      const callerSpanId = hex(8);
      const res = await chain[0]!.get('/', {
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        'x-request-id': 'trace-w3c-1',
      });
      expect(res.status).toBe(200);
      const body = JSON.parse(res.body) as {
        backends: { outcome: string; body: { backends: { outcome: string }[] } }[];
      };
      expect(body.backends[0]!.outcome).toBe('ok');
      expect(body.backends[0]!.body.backends[0]!.outcome).toBe('ok');
      await expectOneTrace(traceId, callerSpanId, 'trace-w3c-1');
    });

    it('joins B3 multi headers only (as Envoy sends them)', async () => {
      const traceId = hex(16);
      const callerSpanId = hex(8);
      const res = await chain[0]!.get('/', {
        'x-b3-traceid': traceId,
        'x-b3-spanid': callerSpanId,
        'x-b3-sampled': '1',
        'x-request-id': 'trace-b3-1',
      });
      expect(res.status).toBe(200);
      await expectOneTrace(traceId, callerSpanId, 'trace-b3-1');
    });

    it('joins a B3 single header', async () => {
      const traceId = hex(16);
      const callerSpanId = hex(8);
      const res = await chain[0]!.get('/', {
        b3: `${traceId}-${callerSpanId}-1`,
        'x-request-id': 'trace-b3s-1',
      });
      expect(res.status).toBe(200);
      await expectOneTrace(traceId, callerSpanId, 'trace-b3s-1');
    });

    it('names a server span after its route template, with the HTTP attributes', async () => {
      const traceId = hex(16);
      await chain[2]!.get('/status/201', { traceparent: `00-${traceId}-${hex(8)}-01`, 'user-agent': 'e2e' });
      const [server] = (await receiver.waitForTrace(traceId, (spans) => spans.length > 0)).filter(
        (s) => s.kind === SERVER,
      );
      expect({ name: server!.name, attributes: server!.attributes }).toMatchObject({
        name: 'GET /status/:codes',
        attributes: {
          'http.route': '/status/:codes',
          'http.request.method': 'GET',
          'http.response.status_code': 201,
          'url.path': '/status/201',
          'url.scheme': 'http',
          'user_agent.original': 'e2e',
        },
      });
    });

    it('passes an unsampled parent on as received, exporting nothing, the trace id in every access line', async () => {
      const unsampled = hex(16);
      const callerSpanId = hex(8);
      await chain[0]!.get('/', {
        traceparent: `00-${unsampled}-${callerSpanId}-00`,
        'x-request-id': 'unsampled-1',
      });
      // Each service passes the caller's context on unchanged, so every line names the caller's span.
      for (const service of chain) {
        const line = await service.waitForLine(
          (l) => l.reqId === 'unsampled-1' && l.msg === 'request completed',
        );
        expect({ trace_id: line.trace_id, span_id: line.span_id }).toEqual({
          trace_id: unsampled,
          span_id: callerSpanId,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(receiver.spans.filter((s) => s.traceId === unsampled)).toEqual([]);
    });

    it('does not trace probes and scrapes', async () => {
      const before = receiver.spans.length;
      for (const path of ['/healthz', '/livez', '/readyz', '/metrics']) await chain[2]!.get(path);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(
        receiver.spans.slice(before).filter((s) => s.service === 'service2' && s.kind === SERVER),
      ).toEqual([]);
    });
  },
);

describe('the trace headers a backend receives', () => {
  let receiver: OtlpReceiver;
  let backend: ServerProcess;
  let front: ServerProcess;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start('http/protobuf');
    backend = await ServerProcess.start();
    // The backend's /headers answers with what the front sent it, inside the front's answer.
    front = await ServerProcess.start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'front',
      BACKEND_URL: backend.url('/headers'),
    });
  });
  afterAll(async () => {
    await Promise.all([front.stop(), backend.stop()]);
    await receiver.stop();
  });

  const B3_FIELDS = ['b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-parentspanid', 'x-b3-flags'];

  async function receivedBy(headers: Record<string, string>): Promise<Record<string, string>> {
    const res = await front.get('/', headers);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { backends: { body: { headers: Record<string, string> } }[] };
    return body.backends[0]!.body.headers;
  }

  it('are those an unsampled parent came with, as they came: no B3 beside a lone traceparent', async () => {
    const traceparent = `00-${hex(16)}-${hex(8)}-00`;
    const received = await receivedBy({ traceparent, tracestate: 'vendor=1' });
    expect({ traceparent: received.traceparent, tracestate: received.tracestate }).toEqual({
      traceparent,
      tracestate: 'vendor=1',
    });
    expect(B3_FIELDS.filter((field) => field in received)).toEqual([]);
  });

  it('are B3 alone when an unsampled parent came in B3', async () => {
    const b3 = `${hex(16)}-${hex(8)}-0`;
    const received = await receivedBy({ b3 });
    expect(received.b3).toBe(b3);
    expect('traceparent' in received).toBe(false);
  });

  it('are every format the service writes for a span of its own, naming its client span', async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const received = await receivedBy({ traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(received.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(received.traceparent).not.toContain(callerSpanId);
    expect(received).toMatchObject({ 'x-b3-traceid': traceId, 'x-b3-sampled': '1' });
    expect(received.b3).toMatch(new RegExp(`^${traceId}-[0-9a-f]{16}-1$`));
  });
});

describe('backends that fail', () => {
  it('answers 502 at once, with the reason, when a backend is down', async () => {
    // The front starts while the backend still holds its port, so the OS cannot hand the front
    // that port: a front calling itself would wait out BACKEND_TIMEOUT_MS (one CI run took 10 s).
    const down = await ServerProcess.start();
    const url = down.url('/');
    const front = await ServerProcess.start({ BACKEND_URL: url });
    await down.stop();
    try {
      const started = Date.now();
      const res = await front.get('/');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.status).toBe(502);
      const body = JSON.parse(res.body) as {
        message: string;
        backends: { outcome: string; error: string }[];
      };
      const reason = `connect ECONNREFUSED ${new URL(url).host}`;
      expect(body.message).toBe(`backend ${url}: ${reason}`);
      expect(body.backends[0]).toMatchObject({ outcome: 'failed', error: reason });
    } finally {
      await front.stop();
    }
  });

  it('answers 504 after BACKEND_TIMEOUT_MS when a backend is slow', async () => {
    const slow = await ServerProcess.start({ DELAY_MIN_MS: '3000', DELAY_MAX_MS: '3000' });
    const front = await ServerProcess.start({ BACKEND_URL: slow.url('/'), BACKEND_TIMEOUT_MS: '300' });
    try {
      const started = Date.now();
      const res = await front.get('/');
      const elapsed = Date.now() - started;
      expect(res.status).toBe(504);
      expect(elapsed).toBeGreaterThanOrEqual(300);
      expect(elapsed).toBeLessThan(1500);
      expect(JSON.parse(res.body)).toMatchObject({
        error: 'Gateway Timeout',
        message: `backend ${slow.url('/')}: no answer within 300 ms`,
      });
    } finally {
      await Promise.all([front.stop(), slow.stop()]);
    }
  });

  it('passes a backend’s error status on as 502', async () => {
    const front = await ServerProcess.start({ BACKEND_URL: 'http://127.0.0.1:1/' });
    const chained = await ServerProcess.start({ BACKEND_URL: front.url('/') });
    try {
      const res = await chained.get('/');
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body)).toMatchObject({ message: `backend ${front.url('/')}: answered 502` });
    } finally {
      await Promise.all([front.stop(), chained.stop()]);
    }
  });
});

describe('span export on shutdown', () => {
  it('exports buffered spans during the graceful shutdown', async () => {
    const receiver = await OtlpReceiver.start();
    // A schedule far beyond the test: only the shutdown flush can deliver the span.
    const server = await ServerProcess.start({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_SERVICE_NAME: 'flush-test',
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    const traceId = hex(16);
    await server.get('/', { traceparent: `00-${traceId}-${hex(8)}-01` });
    expect(receiver.spans).toEqual([]);
    server.signal('SIGTERM');
    expect((await server.exit()).code).toBe(0);
    expect(receiver.spans.filter((s) => s.traceId === traceId && s.kind === SERVER)).toHaveLength(1);
    await receiver.stop();
  });
});
