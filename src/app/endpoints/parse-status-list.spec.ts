import { parseStatusList, pickStatus } from './parse-status-list';

describe('parseStatusList', () => {
  it.each([
    ['503', [{ status: 503, weight: 1 }]],
    [
      '200:0.9,500:0.1',
      [
        { status: 200, weight: 0.9 },
        { status: 500, weight: 0.1 },
      ],
    ],
    [
      '200, 404:2',
      [
        { status: 200, weight: 1 },
        { status: 404, weight: 2 },
      ],
    ],
    ['204:.5', [{ status: 204, weight: 0.5 }]],
  ])('reads %j', (text, list) => {
    expect(parseStatusList(text)).toEqual(list);
  });

  it.each([
    ['100', /cannot be answered/],
    ['199', /cannot be answered/],
    ['600', /cannot be answered/],
    ['42', /not a status code/],
    ['abc', /not a status code/],
    ['200:-1', /not a status code/],
    ['200:x', /not a status code/],
    ['', /not a status code/],
    ['200:0,500:0', /every weight is 0/],
    [Array.from({ length: 33 }, () => '200').join(','), /at most 32/],
  ])('refuses %j with a 400 saying why', (text, why) => {
    expect(() => parseStatusList(text)).toThrow(why);
  });
});

describe('pickStatus', () => {
  it('gives each code the share of its weight', () => {
    const list = parseStatusList('200:0.9,500:0.1');
    expect(pickStatus(list, () => 0)).toBe(200);
    expect(pickStatus(list, () => 0.899)).toBe(200);
    expect(pickStatus(list, () => 0.9)).toBe(500);
    expect(pickStatus(list, () => 0.999999)).toBe(500);
  });

  it('never picks a code of weight 0', () => {
    const list = parseStatusList('200:0,503');
    for (const point of [0, 0.5, 0.999999]) expect(pickStatus(list, () => point)).toBe(503);
  });
});
