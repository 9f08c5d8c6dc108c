import { SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import type { EndBackendCall } from './request-trace';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/**
 * A CLIENT span for a GET to a backend, child of `parent`, with the stable HTTP client semantic
 * conventions; the caller writes the context it returns into the call's headers.
 */
export function startClientSpan(
  tracer: Tracer,
  parent: Context,
  url: URL,
): { context: Context; end: EndBackendCall } {
  const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT }, parent);
  if (span.isRecording()) {
    span.setAttributes({
      [ATTR_HTTP_REQUEST_METHOD]: 'GET',
      // URL keeps an IPv6 host in brackets; the convention wants the address alone.
      [ATTR_SERVER_ADDRESS]: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      [ATTR_SERVER_PORT]: url.port === '' ? DEFAULT_PORTS[url.protocol] : Number(url.port),
      // Without user and password, which a URL may carry and a trace must not.
      [ATTR_URL_FULL]: `${url.protocol}//${url.host}${url.pathname}${url.search}`,
    });
  }
  return { context: trace.setSpan(parent, span), end: (ending) => endClientSpan(span, ending) };
}

function endClientSpan(span: Span, ending: Parameters<EndBackendCall>[0]): void {
  if ('status' in ending) {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, ending.status);
    if (ending.status >= 400) {
      span.setAttribute(ATTR_ERROR_TYPE, String(ending.status));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  } else {
    span.setAttribute(ATTR_ERROR_TYPE, ending.errorType);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}
