import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../common/config/app-config';
import { requestTrace, type RequestTrace } from '../common/tracing/request-trace';
import { GetTimeoutError, httpGet } from './http-get';

/** Trace headers the service's propagator (create-propagator.ts) reads and writes: its fields(). */
export const PROPAGATED_HEADERS = [
  'traceparent',
  'tracestate',
  'baggage',
  'b3',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
];

/**
 * Headers Istio asks applications to pass on so Envoy can join the spans of one request. A request
 * with a span of its own writes the propagated ones instead: copying the incoming ones would clash.
 */
const NOT_PROPAGATED_HEADERS = ['x-request-id', 'x-ot-span-context'];
export const FORWARDED_TRACE_HEADERS = [...NOT_PROPAGATED_HEADERS, ...PROPAGATED_HEADERS];

/** How much of a backend's answer is kept in ours. */
const MAX_BODY_CHARS = 4096;

export type BackendOutcome = 'ok' | 'failed' | 'timeout';

export interface BackendAnswer {
  url: string;
  outcome: BackendOutcome;
  status?: number;
  durationMs: number;
  body?: unknown;
  error?: string;
}

/** Calls the BACKEND_URL services, all at once, each bounded by BACKEND_TIMEOUT_MS. */
@Injectable()
export class BackendClient {
  readonly urls: readonly string[];
  private readonly targets: readonly { url: string; target: URL }[];
  private readonly timeoutMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.urls = config.backends.urls;
    this.targets = this.urls.map((url) => ({ url, target: new URL(url) }));
    this.timeoutMs = config.backends.timeoutMs;
  }

  callAll(req: Request): Promise<BackendAnswer[]> {
    // With tracing on, each call carries the request's trace context on, in a client span of its
    // own; a request that records nothing, or is not traced, passes on the trace headers it came with.
    const traced = requestTrace(req);
    const names = traced?.writesTraceHeaders === true ? NOT_PROPAGATED_HEADERS : FORWARDED_TRACE_HEADERS;
    const headers = this.forwardedHeaders(req, names);
    return Promise.all(this.targets.map(({ url, target }) => this.call(url, target, headers, traced)));
  }

  private forwardedHeaders(req: Request, names: readonly string[]): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const name of names) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    // The id the access log and the response carry: incoming when it was sane, else the generated one.
    if (typeof req.id === 'string' || typeof req.id === 'number') headers['x-request-id'] = String(req.id);
    return headers;
  }

  private async call(
    url: string,
    target: URL,
    forwarded: Record<string, string>,
    traced: RequestTrace | undefined,
  ): Promise<BackendAnswer> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    const headers = { ...forwarded };
    const end = traced?.startBackendCall(target, headers);
    try {
      const answer = await httpGet(target, headers, this.timeoutMs, MAX_BODY_CHARS);
      end?.({ status: answer.status });
      const body = answer.contentType?.includes('json') ? parseJson(answer.text) : answer.text;
      const outcome = answer.status >= 200 && answer.status < 300 ? 'ok' : 'failed';
      return { url, outcome, status: answer.status, durationMs: elapsed(), body };
    } catch (error) {
      const timedOut = error instanceof GetTimeoutError;
      end?.({ errorType: timedOut ? 'timeout' : errorType(error) });
      return { url, outcome: timedOut ? 'timeout' : 'failed', durationMs: elapsed(), error: describe(error) };
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The socket's own words: "connect ECONNREFUSED 10.0.0.7:8080", "getaddrinfo ENOTFOUND service1";
 * for TLS, OpenSSL's reason ("self-signed certificate", "wrong version number") without the
 * source file and line its message carries.
 */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { reason } = error as Error & { reason?: unknown };
  if (typeof reason === 'string') return `TLS: ${reason}`;
  const openssl = OPENSSL_ERROR.exec(error.message);
  if (openssl !== null) return `TLS: ${openssl[1]}`;
  return error.message.split('\n')[0] ?? error.message;
}

/** "error:0A00010B:SSL routines:tls_validate_record_header:wrong version number:file.c:77:" */
const OPENSSL_ERROR = /error:[\dA-F]+:[^:]*:[^:]*:([^:]+):/;

/** A low-cardinality name for a trace's error.type: the system error's code, else the error's class. */
function errorType(error: unknown): string {
  if (!(error instanceof Error)) return '_OTHER';
  return (error as NodeJS.ErrnoException).code ?? error.name;
}
