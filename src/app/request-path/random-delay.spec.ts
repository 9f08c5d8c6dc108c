import { ServerResponse, IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { defer, of } from 'rxjs';
import { afterDelay, createDelayPicker } from './random-delay';

describe('createDelayPicker', () => {
  it('always answers 0 when the maximum is 0', () => {
    const pick = createDelayPicker(0, 0);
    expect(Array.from({ length: 100 }, pick).every((ms) => ms === 0)).toBe(true);
  });

  it('draws integers across the whole closed interval', () => {
    const pick = createDelayPicker(10, 20);
    const seen = new Set(Array.from({ length: 2000 }, pick));
    expect([...seen].sort((a, b) => a - b)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('is roughly uniform', () => {
    const pick = createDelayPicker(0, 1999);
    const samples = Array.from({ length: 20_000 }, pick);
    const mean = samples.reduce((sum, ms) => sum + ms, 0) / samples.length;
    expect(mean).toBeGreaterThan(950);
    expect(mean).toBeLessThan(1050);
    expect(samples.filter((ms) => ms < 1000).length / samples.length).toBeCloseTo(0.5, 1);
  });
});

describe('afterDelay', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const response = (): ServerResponse => new ServerResponse(new IncomingMessage(new Socket()));

  it('runs the handler once the delay has passed', () => {
    const values: string[] = [];
    afterDelay(response(), 500, of('done')).subscribe((value) => values.push(value));
    jest.advanceTimersByTime(499);
    expect(values).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(values).toEqual(['done']);
  });

  it('never runs the handler when the client hangs up first, and leaves no timer', () => {
    const res = response();
    const handler = jest.fn(() => 'ran');
    const events: string[] = [];
    afterDelay(
      res,
      500,
      defer(() => of(handler())),
    ).subscribe({
      next: () => events.push('next'),
      error: () => events.push('error'),
      complete: () => events.push('complete'),
    });
    res.emit('close');
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(handler).not.toHaveBeenCalled();
    expect(events).toEqual([]);
    expect(res.listenerCount('close')).toBe(0);
  });
});
