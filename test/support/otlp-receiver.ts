import { Server as GrpcServer, ServerCredentials } from '@grpc/grpc-js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { OtlpProtocol } from '../../src/common/config/app-config';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
}

/** An ExportTraceServiceRequest as OTLP/JSON spells it, or as protobufjs decodes it (ids as bytes). */
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: Attribute[] };
    scopeSpans?: {
      spans?: {
        traceId: string | Uint8Array;
        spanId: string | Uint8Array;
        parentSpanId?: string | Uint8Array;
        name: string;
        kind: number;
        attributes?: Attribute[];
      }[];
    }[];
  }[];
}
interface Attribute {
  key: string;
  value?: { stringValue?: string; intValue?: unknown; boolValue?: boolean; doubleValue?: number };
}

const schema = protobuf.loadSync(join(__dirname, 'otlp-trace.proto'));
const REQUEST = schema.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
const RESPONSE = schema.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const GRPC_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

const hex = (id: string | Uint8Array | undefined): string =>
  id === undefined ? '' : typeof id === 'string' ? id : Buffer.from(id).toString('hex');
/** The field that is set: protobufjs keeps the unset ones as defaults ("", 0) on the prototype. */
const valueOf = (v: Attribute['value']): unknown => {
  const own = (field: keyof NonNullable<Attribute['value']>) => v !== undefined && Object.hasOwn(v, field);
  if (own('stringValue')) return v?.stringValue;
  if (own('intValue')) return Number(v?.intValue);
  if (own('boolValue')) return v?.boolValue;
  return v?.doubleValue;
};

/**
 * An OTLP trace receiver on 127.0.0.1 that really decodes what it is sent: OTLP/HTTP with JSON,
 * OTLP/HTTP with protobuf (protobufjs and the OTLP schema), or OTLP/gRPC (a @grpc/grpc-js server).
 * A request in any other encoding is refused, so a wrong exporter fails the test.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** Export requests refused because their encoding was not the expected one. */
  refused = 0;
  private http?: Server;
  private grpc?: GrpcServer;
  private port = 0;

  private constructor(readonly protocol: OtlpProtocol) {}

  /** Listens on 127.0.0.1 and `port` (0: any free one). */
  static async start(protocol: OtlpProtocol = 'http/protobuf', port = 0): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver(protocol);
    receiver.port = port;
    if (protocol === 'grpc') await receiver.listenGrpc();
    else await receiver.listenHttp();
    return receiver;
  }

  /** The value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private listenHttp(): Promise<void> {
    const contentType = this.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
    this.http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        if (req.url !== '/v1/traces' || req.headers['content-type'] !== contentType) {
          this.refused++;
          res.writeHead(415).end();
          return;
        }
        if (this.protocol === 'http/json') {
          this.accept(JSON.parse(body.toString('utf8')) as ExportRequest);
          res.writeHead(200, { 'content-type': contentType }).end('{}');
        } else {
          this.accept(REQUEST.decode(body) as unknown as ExportRequest);
          res.writeHead(200, { 'content-type': contentType }).end(RESPONSE.encode({}).finish());
        }
      });
    });
    return new Promise((resolve, reject) => {
      this.http!.once('error', reject);
      this.http!.listen(this.port, '127.0.0.1', () => {
        this.port = (this.http!.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  private listenGrpc(): Promise<void> {
    this.grpc = new GrpcServer();
    this.grpc.addService(
      {
        Export: {
          path: GRPC_EXPORT,
          requestStream: false,
          responseStream: false,
          requestSerialize: (value: object) => Buffer.from(REQUEST.encode(value).finish()),
          requestDeserialize: (bytes: Buffer) => REQUEST.decode(bytes),
          responseSerialize: (value: object) => Buffer.from(RESPONSE.encode(value).finish()),
          responseDeserialize: (bytes: Buffer) => RESPONSE.decode(bytes),
        },
      },
      {
        // A request that is not an ExportTraceServiceRequest fails in requestDeserialize, before this.
        Export: (call: { request: ExportRequest }, callback: (error: null, response: object) => void) => {
          this.accept(call.request);
          callback(null, {});
        },
      },
    );
    return new Promise((resolve, reject) => {
      this.grpc!.bindAsync(`127.0.0.1:${this.port}`, ServerCredentials.createInsecure(), (error, port) => {
        if (error) reject(error);
        else {
          this.port = port;
          resolve();
        }
      });
    });
  }

  private accept(request: ExportRequest): void {
    for (const resourceSpans of request.resourceSpans ?? []) {
      const attributes = resourceSpans.resource?.attributes ?? [];
      const service = String(valueOf(attributes.find((a) => a.key === 'service.name')?.value));
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            name: span.name,
            kind: span.kind,
            attributes: Object.fromEntries((span.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
          });
        }
      }
    }
  }

  /** Polls until `done` holds for the spans of traceId, or fails after timeoutMs. */
  async waitForTrace(
    traceId: string,
    done: (spans: ReceivedSpan[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const spans = this.spans.filter((s) => s.traceId === traceId);
      if (done(spans)) return spans;
      if (Date.now() > deadline)
        throw new Error(
          `trace ${traceId} incomplete (${this.refused} exports refused): ${JSON.stringify(spans, null, 1)}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    if (this.http) await new Promise<void>((resolve) => this.http!.close(() => resolve()));
    if (this.grpc) await new Promise<void>((resolve) => this.grpc!.tryShutdown(() => resolve()));
  }
}
