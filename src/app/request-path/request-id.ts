import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** An incoming x-request-id is kept when it is a sane token; anything else is replaced. */
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The request's id: the client's (or a proxy's) X-Request-Id when sane, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
