import type { IncomingMessage } from 'node:http';
import { hostProblem } from './host-header';

const request = (rawHeaders: string[], version = '1.1'): IncomingMessage => {
  const [major, minor] = version.split('.').map(Number);
  return { rawHeaders, httpVersionMajor: major, httpVersionMinor: minor } as unknown as IncomingMessage;
};

describe('hostProblem', () => {
  it.each([
    'example.com',
    'example.com:8080',
    'EXAMPLE.com:',
    '127.0.0.1:80',
    '[::1]',
    '[2001:db8::1]:443',
    "a-b_c~d!$&'()*+,;=%41",
  ])('accepts %s', (host) => {
    expect(hostProblem(request(['Host', host]))).toBeUndefined();
  });

  it.each([
    ['a b', 'not a valid host'],
    ['user@evil:99999', 'not a valid host'],
    ['example.com:65536', 'port above 65535'],
    ['example.com/path', 'not a valid host'],
    ['', 'not a valid host'],
    ['%zz', 'not a valid host'],
    ['[::g]', 'not a valid host'],
    ['[1.2.3.4]', 'invalid IPv6'],
  ])('refuses %j: %s', (host, problem) => {
    expect(hostProblem(request(['Host', host]))).toContain(problem);
  });

  it('refuses two Host fields, whatever their case and values', () => {
    expect(hostProblem(request(['Host', 'a', 'X-Other', '1', 'HOST', 'a']))).toBe(
      'more than one Host header field',
    );
  });

  it('needs Host in HTTP/1.1, not in HTTP/1.0', () => {
    expect(hostProblem(request(['Accept', '*/*']))).toBe('no Host header field');
    expect(hostProblem(request(['Accept', '*/*'], '1.0'))).toBeUndefined();
  });

  it('still refuses a bad value after a good one was seen (the last valid value is remembered)', () => {
    expect(hostProblem(request(['Host', 'example.com']))).toBeUndefined();
    expect(hostProblem(request(['Host', 'example.com']))).toBeUndefined();
    expect(hostProblem(request(['Host', 'example com']))).toContain('not a valid host');
  });
});
