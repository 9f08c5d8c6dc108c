import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { createHeaderEcho } from './echo-headers';

function requestAndResponse(rawHeaders: string[]): { req: IncomingMessage; res: ServerResponse } {
  const req = new IncomingMessage(new Socket());
  req.rawHeaders = rawHeaders;
  return { req, res: new ServerResponse(req) };
}

describe('createHeaderEcho', () => {
  it('copies each header under the name the client used, all values of repeated ones', () => {
    const { req, res } = requestAndResponse(['X-Trace', 'abc', 'Accept', '*/*', 'x-trace', 'def']);
    createHeaderEcho([])(req, res);
    expect(res.getHeader('x-trace')).toEqual(['abc', 'def']);
    expect(res.getHeader('accept')).toBe('*/*');
    expect(res.getHeaderNames()).toEqual(['x-trace', 'accept']);
  });

  it.each([
    'Connection',
    'KEEP-ALIVE',
    'Proxy-Authorization',
    'proxy-connection',
    'TE',
    'Trailer',
    'Transfer-Encoding',
    'Upgrade',
    'Content-Length',
    'Host',
    'Content-Type',
    'Content-Encoding',
    'Content-Range',
    'Set-Cookie',
    'SET-COOKIE',
    'Version',
    'X-Request-Id',
    'Date',
  ])('never copies %s', (name) => {
    const { req, res } = requestAndResponse([name, 'value']);
    createHeaderEcho([])(req, res);
    expect(res.getHeaderNames()).toEqual([]);
  });

  it('skips the extra names it is given, whatever their case', () => {
    const { req, res } = requestAndResponse(['X-Secret', '1', 'X-Public', '2']);
    createHeaderEcho(['x-SECRET'])(req, res);
    expect(res.getHeaderNames()).toEqual(['x-public']);
  });
});
