import { parseDuration } from './parse-duration';

describe('parseDuration', () => {
  it.each([
    ['1.5', 1500],
    ['3', 3000],
    ['250ms', 250],
    ['2s', 2000],
    ['0', 0],
    ['0.0004', 0],
  ])('reads %j as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '-1', '1m', 'abc', '1.5.5', '1e3', ' ms'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/not a duration/);
  });
});
