import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface GetAnswer {
  status: number;
  contentType: string | undefined;
  /** The body as text, cut at `maxChars`. */
  text: string;
}

/** Thrown when the whole exchange, body included, takes longer than the deadline. */
export class GetTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'GetTimeoutError';
  }
}

// Connections to backends are kept open between calls, as fetch() kept them. An idle one is closed
// after 4 s, or 1 s before the server's Keep-Alive timeout when that is sooner, so that a call does
// not reuse a connection the server is closing: without `timeout` Node keeps it open regardless.
const KEEP_ALIVE = { keepAlive: true, timeout: 4000 };
const agents = { 'http:': new HttpAgent(KEEP_ALIVE), 'https:': new HttpsAgent(KEEP_ALIVE) };

/**
 * One GET with node:http or node:https: the answer's status, content type and text, redirects not
 * followed. Not fetch(): a chain of three services answered about 1.6 times as many requests with
 * node:http (docs/performance.md). Rejects with GetTimeoutError after `timeoutMs`, body included,
 * or with the socket's error.
 */
export function httpGet(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
  maxChars: number,
): Promise<GetAnswer> {
  const https = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(url, {
      headers,
      agent: agents[https ? 'https:' : 'http:'],
    });
    // Each way out settles the promise once; a later one finds it settled and changes nothing.
    const fail = (error: Error): void => {
      clearTimeout(deadline);
      req.destroy();
      reject(error);
    };
    const deadline = setTimeout(() => fail(new GetTimeoutError(timeoutMs)), timeoutMs);
    req.on('error', fail);
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      // The rest is read and dropped, so that the connection can serve the next call.
      res.on('data', (chunk: string) => {
        if (text.length < maxChars) text += chunk;
      });
      const brokenOff = (): void => fail(new Error('the connection closed before the answer ended'));
      res.on('error', brokenOff);
      res.on('close', () => {
        if (!res.complete) brokenOff();
      });
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'],
          text: text.slice(0, maxChars),
        });
      });
    });
    req.end();
  });
}
