import type { Socket } from 'node:net';
import { normalizeAddress, peerAddress } from './client-address';

describe('normalizeAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['203.0.113.7:4711', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['2001:db8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    // What a proxy wrapped around the address is dropped; what remains must be an address.
    ['[192.0.2.1]', '192.0.2.1'],
    ['192.0.2.1:99999', '192.0.2.1'],
  ])('%j is %j', (text, address) => {
    expect(normalizeAddress(text)).toBe(address);
  });

  it.each(['', 'unknown', 'proxy.example.com', '<script>', '999.1.1.1', '[not-an-address]', undefined])(
    '%j is no address',
    (text) => {
      expect(normalizeAddress(text)).toBeUndefined();
    },
  );
});

describe('peerAddress', () => {
  it('gives an IPv4 client of a dual-stack socket in IPv4 form, and keeps IPv6 as it is', () => {
    expect(peerAddress({ remoteAddress: '::ffff:127.0.0.1' } as Socket)).toBe('127.0.0.1');
    expect(peerAddress({ remoteAddress: '::1' } as Socket)).toBe('::1');
    expect(peerAddress({ remoteAddress: '10.1.2.3' } as Socket)).toBe('10.1.2.3');
  });

  it('remembers the address once asked, so a closed socket still names its client', () => {
    const socket = { remoteAddress: '192.0.2.1' } as Socket;
    expect(peerAddress(socket)).toBe('192.0.2.1');
    (socket as { remoteAddress?: string }).remoteAddress = undefined;
    expect(peerAddress(socket)).toBe('192.0.2.1');
  });
});
