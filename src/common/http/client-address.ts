import { isIP } from 'node:net';
import type { Socket } from 'node:net';

const IPV4_MAPPED = '::ffff:';
/** An IPv4 address with a port (some proxies write one into X-Forwarded-For). */
const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
/** A bracketed IPv6 address, with or without a port. */
const BRACKETED_IPV6 = /^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$/;

const PEER = Symbol('httpserver.peerAddress');
type PeerSocket = Socket & { [PEER]?: string };

/**
 * The connection's peer address in plain form (an IPv4 client of a dual-stack socket is
 * `127.0.0.1`, not `::ffff:127.0.0.1`), worked out once per connection. Undefined once the socket
 * is closed and was never asked before.
 */
export function peerAddress(socket: Socket): string | undefined {
  const peer = socket as PeerSocket;
  if (peer[PEER] !== undefined) return peer[PEER];
  const address = socket.remoteAddress;
  if (address === undefined) return undefined;
  peer[PEER] = address.startsWith(IPV4_MAPPED) && address.includes('.') ? address.slice(7) : address;
  return peer[PEER];
}

/**
 * An address a client or proxy wrote (X-Forwarded-For), as a plain IP address: a port or brackets a
 * proxy added are dropped, an IPv4-mapped IPv6 address becomes IPv4. Undefined when the text is not
 * an IP address at all, since a client may write anything there.
 */
export function normalizeAddress(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let address = text.trim();
  const match = BRACKETED_IPV6.exec(address) ?? IPV4_WITH_PORT.exec(address);
  if (match) address = match[1] as string;
  if (address.toLowerCase().startsWith(IPV4_MAPPED) && isIP(address.slice(IPV4_MAPPED.length)) === 4) {
    address = address.slice(IPV4_MAPPED.length);
  }
  return isIP(address) === 0 ? undefined : address;
}
