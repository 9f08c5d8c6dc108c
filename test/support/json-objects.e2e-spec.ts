import { jsonObjectsIn } from './json-objects';

describe('jsonObjectsIn', () => {
  it('splits an answer from the log line written right after it on the same line', () => {
    const text = 'added 602 packages\n{"backends":[{"outcome":"ok"}]}{"level":30,"msg":"a } in a string"}\n';
    expect(jsonObjectsIn(text)).toEqual([
      { backends: [{ outcome: 'ok' }] },
      { level: 30, msg: 'a } in a string' },
    ]);
  });

  it('skips braces that are not JSON and keeps escaped quotes inside strings', () => {
    expect(jsonObjectsIn('make: {not json} {"a":"say \\"}\\""}')).toEqual([{ a: 'say "}"' }]);
  });
});
