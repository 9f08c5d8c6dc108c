import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { APP_CONFIG, type AppConfig } from '../common/config/app-config';
import { withRequestTrace } from '../common/tracing/request-trace';

/** Trace headers the SDK's propagators write for the client span when tracing is on. */
const PROPAGATED_HEADERS = [
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
 * Headers Istio asks applications to pass on so Envoy can join the spans of one request. With
 * tracing on, the propagated ones are written by the SDK instead: copying the incoming ones would clash.
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
  private readonly timeoutMs: number;
  private readonly forwarded: readonly string[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.urls = config.backends.urls;
    this.timeoutMs = config.backends.timeoutMs;
    // With tracing on, the SDK's propagators write the trace headers of each outgoing call.
    this.forwarded = config.tracing.enabled ? NOT_PROPAGATED_HEADERS : FORWARDED_TRACE_HEADERS;
  }

  callAll(req: Request): Promise<BackendAnswer[]> {
    const headers = this.forwardedHeaders(req);
    // With tracing on, the calls run in the request's trace context: each fetch() gets a client span under it.
    return withRequestTrace(req, () => Promise.all(this.urls.map((url) => this.call(url, headers))));
  }

  private forwardedHeaders(req: Request): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const name of this.forwarded) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    // The id the access log and the response carry: incoming when it was sane, else the generated one.
    if (typeof req.id === 'string' || typeof req.id === 'number') headers['x-request-id'] = String(req.id);
    return headers;
  }

  private async call(url: string, headers: Record<string, string>): Promise<BackendAnswer> {
    const started = performance.now();
    const elapsed = (): number => Math.round(performance.now() - started);
    try {
      const response = await fetch(url, {
        headers,
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'manual',
      });
      const text = (await response.text()).slice(0, MAX_BODY_CHARS);
      const body = response.headers.get('content-type')?.includes('json') ? parseJson(text) : text;
      const outcome = response.ok ? 'ok' : 'failed';
      return { url, outcome, status: response.status, durationMs: elapsed(), body };
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      const reason = timedOut ? `no answer within ${this.timeoutMs} ms` : describe(error);
      return { url, outcome: timedOut ? 'timeout' : 'failed', durationMs: elapsed(), error: reason };
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

/** fetch() hides the useful part (ECONNREFUSED, ENOTFOUND) in error.cause. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause =
    error.cause instanceof Error
      ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}`
      : '';
  return `${error.message}${cause}`;
}
