import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parseDeclaredBody } from './parse-declared-body';

const request = (headers: Record<string, string>): Request => ({ headers }) as unknown as Request;
const response = {} as Response;

/** Parsers that record their calls; the one named in `failing` passes an error on. */
function recordingParsers(failing?: string): { calls: string[]; parsers: RequestHandler[] } {
  const calls: string[] = [];
  const parser =
    (name: string): RequestHandler =>
    (_req, _res, next: NextFunction) => {
      calls.push(name);
      next(name === failing ? new Error(`${name} failed`) : undefined);
    };
  return { calls, parsers: [parser('json'), parser('urlencoded')] };
}

describe('parseDeclaredBody', () => {
  it('passes a request whose head mentions no body on, without calling a parser', () => {
    const { calls, parsers } = recordingParsers();
    const next = jest.fn();
    parseDeclaredBody(parsers)(request({ host: 'example.com' }), response, next);
    expect(calls).toEqual([]);
    expect(next).toHaveBeenCalledTimes(1);
    expect(next).toHaveBeenCalledWith();
  });

  it.each<Record<string, string>>([
    { 'content-length': '12' },
    { 'content-length': '0' },
    { 'transfer-encoding': 'chunked' },
  ])('runs every parser in order for %j, then passes the request on once', (headers) => {
    const { calls, parsers } = recordingParsers();
    const next = jest.fn();
    parseDeclaredBody(parsers)(request(headers), response, next);
    expect(calls).toEqual(['json', 'urlencoded']);
    expect(next).toHaveBeenCalledTimes(1);
    expect(next).toHaveBeenCalledWith(undefined);
  });

  it("stops at a parser's error and passes it on once", () => {
    const { calls, parsers } = recordingParsers('json');
    const next = jest.fn();
    parseDeclaredBody(parsers)(request({ 'content-length': '1' }), response, next);
    expect(calls).toEqual(['json']);
    expect(next).toHaveBeenCalledTimes(1);
    expect(next).toHaveBeenCalledWith(new Error('json failed'));
  });
});
