/**
 * The value of one series in a Prometheus text exposition, named with its labels as written there
 * (`name` or `name{label="value"}`); NaN when absent.
 */
export function metricValue(text: string, series: string): number {
  const escaped = series.replace(/[{}"]/g, (c) => `\\${c}`);
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/**
 * Node's pending timers as prom-client exposes them (`nodejs_active_resources{type="Timeout"}`). It
 * lists only the resources that exist: no Timeout line means no pending timer, 0.
 */
export function activeTimers(text: string): number {
  return metricValue(text, 'nodejs_active_resources{type="Timeout"}') || 0;
}
