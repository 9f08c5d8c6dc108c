import { BATCH_BYTES, LineBatchDestination, type WriteSync } from './line-batch-destination';

/** A write(2) stand-in that records what reached each fd; `take` limits the bytes one call accepts. */
function recorder(take = Infinity, failures: (string | undefined)[] = []) {
  const written = new Map<number, Buffer[]>();
  let calls = 0;
  const write: WriteSync = (fd, buffer, offset, length) => {
    calls++;
    const code = failures.shift();
    if (code !== undefined) throw Object.assign(new Error(`${code}: simulated`), { code });
    const n = Math.min(length, take);
    // Copy: the destination reuses its buffer once the call returns.
    written.set(fd, [...(written.get(fd) ?? []), Buffer.from(buffer.subarray(offset, offset + n))]);
    return n;
  };
  return {
    write,
    calls: () => calls,
    bytes: (fd = 1) => Buffer.concat(written.get(fd) ?? []),
    writes: (fd = 1) => written.get(fd)?.length ?? 0,
  };
}

const line = (n: number, text = 'x'.repeat(80)): string => `{"n":${n},"msg":"${text}"}\n`;

describe('LineBatchDestination', () => {
  it('holds lines until a batch is full, then writes them in one call, in order', () => {
    const out = recorder();
    const destination = new LineBatchDestination(1, out.write);
    const lines: string[] = [];
    for (let n = 0; out.writes() === 0; n++) {
      lines.push(line(n));
      destination.write(line(n));
    }
    expect(out.writes()).toBe(1);
    expect(out.bytes().length).toBeGreaterThanOrEqual(BATCH_BYTES);
    expect(out.bytes().toString()).toBe(lines.join(''));
  });

  it('writes a partial batch on flush, before calling back', () => {
    const out = recorder();
    const destination = new LineBatchDestination(1, out.write);
    destination.write(line(1));
    expect(out.writes()).toBe(0);
    const callback = jest.fn(() => expect(out.bytes().toString()).toBe(line(1)));
    destination.flush(callback);
    expect(callback).toHaveBeenCalledTimes(1);
    destination.flushSync();
    expect(out.writes()).toBe(1);
  });

  it('keeps every byte of multi-byte text, also where a batch boundary falls', () => {
    const out = recorder();
    const destination = new LineBatchDestination(1, out.write);
    const lines = Array.from({ length: 500 }, (_, n) => line(n, `é€😀 ${'ü'.repeat(n % 37)}`));
    for (const text of lines) destination.write(text);
    destination.flushSync();
    expect(out.writes()).toBeGreaterThan(1);
    expect(out.bytes().equals(Buffer.from(lines.join(''), 'utf8'))).toBe(true);
  });

  it('writes a line longer than its buffer whole, after the lines before it', () => {
    const out = recorder();
    const destination = new LineBatchDestination(1, out.write);
    const long = line(2, 'y'.repeat(200_000));
    destination.write(line(1));
    destination.write(long);
    destination.write(line(3));
    destination.flushSync();
    expect(out.bytes().toString()).toBe(line(1) + long + line(3));
  });

  it('writes the rest when write(2) takes only part of a batch', () => {
    const out = recorder(1000);
    const destination = new LineBatchDestination(1, out.write);
    const lines = Array.from({ length: 300 }, (_, n) => line(n));
    for (const text of lines) destination.write(text);
    destination.flushSync();
    expect(out.bytes().toString()).toBe(lines.join(''));
  });

  it('waits and writes again while a non-blocking pipe is full (EAGAIN)', () => {
    const out = recorder(Infinity, ['EAGAIN', 'EAGAIN']);
    const destination = new LineBatchDestination(1, out.write);
    destination.write(line(1));
    destination.flushSync();
    expect(out.calls()).toBe(3);
    expect(out.bytes().toString()).toBe(line(1));
  });

  it('drops lines without throwing once the log cannot be written, and says so once on stderr', () => {
    const out = recorder(Infinity, ['EPIPE']);
    const destination = new LineBatchDestination(1, out.write);
    destination.write(line(1));
    expect(() => destination.flushSync()).not.toThrow();
    destination.write(line(2));
    destination.flushSync();
    expect(out.writes(1)).toBe(0);
    expect(out.bytes(2).toString()).toBe(
      'log lines are being dropped: writing to fd 1 failed: EPIPE: simulated\n',
    );
    expect(out.calls()).toBe(2);
  });
});
