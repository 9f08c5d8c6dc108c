import { LAG_RESOLUTION_MS, OverloadMonitor, type LagHistogram } from './overload-monitor';

/** A histogram whose longest delay the test sets, in ms of lag beyond the sampling interval. */
class FakeHistogram implements LagHistogram {
  max = 0;
  enabled = false;
  resets = 0;
  enable(): boolean {
    this.enabled = true;
    return true;
  }
  disable(): boolean {
    this.enabled = false;
    return true;
  }
  reset(): void {
    this.resets += 1;
    this.max = 0;
  }
  lag(ms: number): void {
    this.max = (ms + LAG_RESOLUTION_MS) * 1e6;
  }
}

describe('OverloadMonitor', () => {
  let histogram: FakeHistogram;
  let monitor: OverloadMonitor;
  beforeEach(() => {
    histogram = new FakeHistogram();
    monitor = new OverloadMonitor(100, histogram);
  });
  afterEach(() => monitor.onModuleDestroy());

  it('samples from construction and is not overloaded before a window has been judged', () => {
    expect(histogram.enabled).toBe(true);
    expect(monitor.overloaded).toBe(false);
    expect(monitor.shedsConnection()).toBe(false);
  });

  it('is overloaded for the window after one whose longest delay passed the threshold, not at it', () => {
    histogram.lag(100);
    monitor.judge();
    expect(monitor.overloaded).toBe(false);
    histogram.lag(101);
    monitor.judge();
    expect(monitor.overloaded).toBe(true);
    expect(histogram.max).toBe(0);
    monitor.judge();
    expect(monitor.overloaded).toBe(false);
    expect(histogram.resets).toBe(3);
  });

  it('counts the responses it sheds, only while overloaded', () => {
    histogram.lag(250);
    monitor.judge();
    expect([monitor.shedsConnection(), monitor.shedsConnection()]).toEqual([true, true]);
    monitor.judge();
    expect(monitor.shedsConnection()).toBe(false);
    expect(monitor.shedResponses).toBe(2);
  });

  it('stops sampling when the application closes, and is no longer overloaded', () => {
    histogram.lag(250);
    monitor.judge();
    monitor.onModuleDestroy();
    expect(histogram.enabled).toBe(false);
    expect(monitor.overloaded).toBe(false);
  });

  it('never samples with a threshold of 0', () => {
    const off = new FakeHistogram();
    const never = new OverloadMonitor(0, off);
    expect(off.enabled).toBe(false);
    never.onModuleDestroy();
    expect(never.shedsConnection()).toBe(false);
  });
});
