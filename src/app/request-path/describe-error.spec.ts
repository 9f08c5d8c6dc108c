import {
  BadRequestException,
  HttpException,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { describeError } from './describe-error';

/** An http-errors error as body-parser makes it, wrapped by Nest the way it wraps them. */
const fromBodyParser = (
  status: number,
  message: string,
  fields: Record<string, unknown> = {},
): HttpException =>
  new HttpException(message, status, {
    cause: Object.assign(new Error(message), { status, expose: true, ...fields }),
  });

describe('describeError', () => {
  it('keeps the message of an exception the service threw', () => {
    expect(describeError(new NotFoundException('Cannot GET /x'), undefined)).toEqual({
      status: 404,
      message: 'Cannot GET /x',
      extra: {},
      unexpected: false,
    });
    expect(
      describeError(new PayloadTooLargeException('request bodies are limited to 1 bytes'), undefined).message,
    ).toBe('request bodies are limited to 1 bytes');
  });

  it('keeps the backends of a 502, and no other field', () => {
    const answer = describeError(
      new HttpException({ statusCode: 502, message: 'backend x: refused', backends: [1], secret: 's' }, 502),
      undefined,
    );
    expect(answer).toMatchObject({ status: 502, message: 'backend x: refused', extra: { backends: [1] } });
  });

  it.each([
    ['entity.parse.failed', 'application/json', 400, 'the request body is not valid JSON'],
    [
      'entity.parse.failed',
      'application/x-www-form-urlencoded',
      400,
      'the request body could not be parsed as its Content-Type says',
    ],
    ['entity.too.large', 'application/json', 413, 'request bodies are limited to 102400 bytes'],
    ['charset.unsupported', 'application/json', 415, 'the charset of the request body is not supported'],
  ])('never passes on the parser’s own message: %s', (type, contentType, status, message) => {
    const exception = fromBodyParser(status, "Expected property name or '}' in JSON at position 1", { type });
    expect(describeError(exception, contentType)).toMatchObject({ status, message });
  });

  it('says a body could not be decompressed instead of quoting zlib', () => {
    const exception = fromBodyParser(400, 'incorrect header check', { code: 'Z_DATA_ERROR' });
    expect(describeError(exception, 'application/json').message).toBe(
      'the request body could not be decompressed as its Content-Encoding says',
    );
  });

  it('gives a bad percent-encoding in the path a sentence of its own', () => {
    const exception = new BadRequestException("Failed to decode param '%zz'", {
      cause: new URIError('URI malformed'),
    });
    expect(describeError(exception, undefined).message).toBe(
      'the request path is not validly percent-encoded',
    );
  });

  it('answers anything else with a generic 500 and marks it unexpected', () => {
    expect(describeError(new TypeError('secret detail at /srv/app.ts:1'), undefined)).toEqual({
      status: 500,
      message: 'Internal server error',
      extra: {},
      unexpected: true,
    });
  });
});
