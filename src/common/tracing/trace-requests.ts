import {
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from '@opentelemetry/semantic-conventions';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { peerAddress } from '../http/client-address';
import { pathOf } from '../http/path-of';
import { PROBE_AND_SCRAPE_ROUTES } from '../http/routes';
import { extractParent, type Parent } from './extract-parent';
import { startClientSpan } from './client-span';
import { setRequestTrace, type EndBackendCall, type RequestTrace } from './request-trace';

/** The server's request listener, wrapped so that each request gets its own server span (request-trace.ts). */
export type TraceRequests = (listener: RequestListener) => RequestListener;

/**
 * A SERVER span per request, child of the trace context its headers carry (W3C or B3:
 * extract-parent.ts), with the stable HTTP semantic conventions, kept on the request
 * (request-trace.ts); the request path names it after its route when the route is known
 * ("GET /status/:codes", access-log.ts). Probes and scrapes get none.
 *
 * This replaces OpenTelemetry's http instrumentation for incoming requests, which bound every
 * listener of each request and response to the context and computed its attributes before
 * sampling: a sixth of the service's throughput with nothing a trace reader sees
 * (docs/performance.md).
 *
 * With a sampler that follows its parent (parentbased_*), a request whose parent was not sampled,
 * as most are under Istio's default 1%, keeps the context it came with: no span of its own, its
 * trace headers passed on to backends as received (W3C Trace Context allows this of a service
 * that records nothing), and its trace id still in the access line.
 */
export function traceRequests(tracer: Tracer, followsParent: boolean): TraceRequests {
  const extract = extractParent();
  return (listener) => (req, res) => {
    const path = pathOf(req.url ?? '');
    if (PROBE_AND_SCRAPE_ROUTES.has(path)) {
      listener(req, res);
      return;
    }
    const parent = extract(req);
    // An unsampled parent is a valid one, so it has a span context (extract-parent.ts).
    if (followsParent && parent.unsampled && parent.spanContext !== undefined) {
      setRequestTrace(req, new ParentTrace(parent.spanContext));
      listener(req, res);
      return;
    }
    const method = req.method ?? 'GET';
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent.context);
    const traced = new ServerSpanTrace(tracer, span, parent);
    if (span.isRecording()) {
      span.setAttributes(requestAttributes(req, method, path));
      res.once('close', () => endSpan(span, traced.route, res));
    }
    setRequestTrace(req, traced);
    listener(req, res);
  };
}

/**
 * A request that records nothing: its ids are its parent's, and it writes no trace headers, so its
 * backend calls carry those it came with, as they came (BackendClient). Not written afresh by the
 * propagator, which would add the formats the request did not use (B3 beside W3C), and each
 * backend would read them all on the propagator's slow path (docs/performance.md, "A chain of
 * services").
 */
class ParentTrace implements RequestTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly writesTraceHeaders = false;
  route: string | undefined;

  constructor({ traceId, spanId }: SpanContext) {
    this.traceId = traceId;
    this.spanId = spanId;
  }

  startBackendCall(): EndBackendCall {
    return NOTHING_TO_END;
  }
}

const NOTHING_TO_END: EndBackendCall = () => undefined;

/** A request with a server span of its own, recording or not; each backend call gets a client span under it. */
class ServerSpanTrace implements RequestTrace {
  readonly traceId: string;
  readonly spanId: string;
  readonly writesTraceHeaders = true;
  route: string | undefined;

  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
    private readonly parent: Parent,
  ) {
    ({ traceId: this.traceId, spanId: this.spanId } = span.spanContext());
  }

  startBackendCall(url: URL, headers: Record<string, string>): EndBackendCall {
    const client = startClientSpan(this.tracer, trace.setSpan(this.parent.context, this.span), url);
    propagation.inject(client.context, headers);
    return client.end;
  }
}

function requestAttributes(req: IncomingMessage, method: string, path: string): Attributes {
  // Assigned one by one: spreading optional parts was a visible share of a traced request.
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_URL_PATH]: path,
    [ATTR_URL_SCHEME]: 'http',
    [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
  };
  const { host, 'user-agent': userAgent } = req.headers;
  if (host !== undefined) attributes[ATTR_SERVER_ADDRESS] = host.replace(PORT_SUFFIX, '');
  // The access line's clientIp: IPv4 clients as 127.0.0.1, not ::ffff:127.0.0.1.
  const client = peerAddress(req.socket);
  if (client !== undefined) attributes[ATTR_CLIENT_ADDRESS] = client;
  if (userAgent !== undefined) attributes[ATTR_USER_AGENT_ORIGINAL] = userAgent;
  return attributes;
}

const PORT_SUFFIX = /:\d+$/;

/** Status, route and end, when the response closes: sent, or abandoned by its client. */
function endSpan(span: Span, route: string | undefined, res: ServerResponse): void {
  if (route !== undefined) {
    span.setAttribute(ATTR_HTTP_ROUTE, route);
    span.updateName(`${res.req.method ?? 'GET'} ${route}`);
  }
  if (!res.writableFinished) {
    span.setAttribute(ATTR_ERROR_TYPE, 'client_closed_request');
  } else {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.statusCode);
    if (res.statusCode >= 500) {
      span.setAttribute(ATTR_ERROR_TYPE, String(res.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  }
  span.end();
}
