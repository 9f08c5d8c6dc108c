import { context, trace } from '@opentelemetry/api';
import { getRPCMetadata } from '@opentelemetry/core';
import type { Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Logger, LevelWithSilent } from 'pino';
import type { Options } from 'pino-http';
import { CLIENT_CLOSED_REQUEST, METRICS_PATH } from '../../metrics/metric-names';

/** Paths hit by kubelet and Prometheus every few seconds: logged at debug so they do not flood info. */
const QUIET_PATHS: ReadonlySet<string> = new Set(['/healthz', '/livez', '/readyz', METRICS_PATH]);

/** An incoming x-request-id is kept when it is a sane token; anything else is replaced. */
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const TRACE_FIELDS = Symbol('httpserver.traceFields');

/**
 * trace_id and span_id of the request's HTTP server span, so a log line leads to its trace. pino-http
 * calls this when the request arrives, inside the request's context, and again when it ends, when
 * another context may be active: the first answer is kept so the line never carries two. Without
 * tracing there is no span and nothing is added.
 */
function traceFields(req: IncomingMessage & { [TRACE_FIELDS]?: object }): object {
  if (req[TRACE_FIELDS] === undefined) {
    // The HTTP server span, which the http instrumentation keeps in the RPC metadata; the active
    // span here is Express's middleware span.
    const active = context.active();
    const span = (getRPCMetadata(active)?.span ?? trace.getSpan(active))?.spanContext();
    req[TRACE_FIELDS] = span === undefined ? {} : { trace_id: span.traceId, span_id: span.spanId };
  }
  return req[TRACE_FIELDS];
}

/** The fields of an access-log line. Headers are never logged, so Authorization and Cookie cannot leak. */
function accessFields(req: Request, res: Response, responseTimeMs: number): object {
  const aborted = !res.writableFinished;
  return {
    clientIp: req.ip,
    method: req.method,
    path: pathOf(req.originalUrl),
    status: aborted ? CLIENT_CLOSED_REQUEST : res.statusCode,
    responseTimeMs,
    userAgent: req.headers['user-agent'],
  };
}

/** pino-http options for one JSON access-log line per finished (or abandoned) request. */
export function accessLogOptions(logger: Logger): Options {
  return {
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    serializers: { req: () => undefined, res: () => undefined },
    customAttributeKeys: { reqId: 'reqId', responseTime: 'responseTimeMs' },
    customProps: traceFields,
    genReqId: (req, res) => {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (req, res, error): LevelWithSilent => {
      if (QUIET_PATHS.has(pathOf(req.url ?? ''))) return 'debug';
      return error !== undefined || res.statusCode >= 500 ? 'error' : 'info';
    },
    customSuccessMessage: (_req, res) => (res.writableFinished ? 'request completed' : 'request aborted'),
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, value: { responseTimeMs: number }) =>
      accessFields(req as Request, res as Response, value.responseTimeMs),
    customErrorObject: (req, res, error, value: { responseTimeMs: number }) => ({
      ...accessFields(req as Request, res as Response, value.responseTimeMs),
      err: error,
    }),
  };
}
