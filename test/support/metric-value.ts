/**
 * The value of one series in a Prometheus text exposition, named with its labels as written there
 * (`name` or `name{label="value"}`); NaN when absent.
 */
export function metricValue(text: string, series: string): number {
  const escaped = series.replace(/[{}"]/g, (c) => `\\${c}`);
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}
