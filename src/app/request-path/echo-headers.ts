import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Request headers never copied onto the response: hop-by-hop and framing headers (copying them
 * corrupts the response or the connection) and headers whose meaning the service owns.
 */
export const ECHO_DENYLIST: readonly string[] = [
  // hop-by-hop and framing (RFC 9110 7.6.1, RFC 9112)
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
  'content-length',
  'host',
  // would change what the response body means
  'content-type',
  'content-encoding',
  'content-range',
  'set-cookie',
  // set by the service itself
  'version',
  'x-request-id',
  'date',
];

/** Every proxy-* header (proxy-authorization, proxy-connection, ...) is hop-by-hop as well. */
const DENIED_PREFIX = 'proxy-';

/** Copies the headers; true when a copied value holds bytes above 0x7F (obs-text). */
export type HeaderEcho = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Any character above 0x7F (header values hold latin1 bytes). */
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * Builds the function that copies each request header onto the response under the name the client
 * used, keeping every value of a repeated header (rawHeaders, unlike req.headers, keeps them all).
 */
export function createHeaderEcho(extraExcluded: readonly string[]): HeaderEcho {
  const denied = new Set([...ECHO_DENYLIST, ...extraExcluded.map((name) => name.toLowerCase())]);
  return (req, res) => {
    const raw = req.rawHeaders;
    let nonAscii = false;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i] as string;
      const lower = name.toLowerCase();
      if (denied.has(lower) || lower.startsWith(DENIED_PREFIX)) continue;
      const value = raw[i + 1] as string;
      if (NON_ASCII.test(value)) nonAscii = true;
      // appendHeader validates and then calls setHeader, which validates again: only a repeat needs it.
      if (res.hasHeader(name)) res.appendHeader(name, value);
      else res.setHeader(name, value);
    }
    return nonAscii;
  };
}
