import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';

/**
 * RFC 9110 section 7.2: Host = uri-host [ ":" port ], where uri-host is an IP literal in brackets,
 * an IPv4 address or a reg-name (unreserved, sub-delims and percent-encoded octets). No userinfo,
 * no blanks.
 */
const HOST = /^(?:\[([0-9A-Fa-f:.]+)\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)(?::(\d*))?$/;
const MAX_PORT = 65_535;

/** The last value found valid: a client sends the same Host on every request of a connection. */
let lastValid = '';

/**
 * Why the request's Host header field is unacceptable, or undefined when it is fine. RFC 9112
 * section 3.2: an HTTP/1.1 request needs exactly one valid Host field; HTTP/1.0 may leave it out.
 */
export function hostProblem(req: IncomingMessage): string | undefined {
  const raw = req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (value !== undefined) return 'more than one Host header field';
    value = raw[i + 1];
  }
  if (value === undefined) {
    return req.httpVersionMajor === 1 && req.httpVersionMinor === 0 ? undefined : 'no Host header field';
  }
  if (value === lastValid) return undefined;
  const problem = valueProblem(value);
  if (problem === undefined) lastValid = value;
  return problem;
}

function valueProblem(value: string): string | undefined {
  const match = HOST.exec(value);
  if (match === null) return 'the Host header field is not a valid host[:port]';
  const [, ipv6, port] = match;
  if (ipv6 !== undefined && !isIPv6(ipv6)) return 'the Host header field has an invalid IPv6 address';
  if (port !== undefined && port !== '' && Number(port) > MAX_PORT) {
    return 'the Host header field has a port above 65535';
  }
  return undefined;
}
