import { isIP } from 'node:net';
import { ConfigError } from './config-error';

/** Reads environment variables one at a time, failing with a ConfigError that names the variable. */
export class EnvReader {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** The raw value, or undefined when the variable is unset or empty (an empty value means "use the default"). */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const trimmed = value.trim();
    const parsed = Number(trimmed);
    if (!/^\d+$/.test(trimmed) || parsed < min || parsed > max) {
      throw new ConfigError(name, value, `an integer from ${min} to ${max}`);
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const normalised = value.trim().toLowerCase();
    const match = allowed.find((candidate) => candidate === normalised);
    if (match === undefined) throw new ConfigError(name, value, `one of ${allowed.join(', ')}`);
    return match;
  }

  /** A number from 0 to 1, e.g. a share of requests. */
  ratio(name: string, fallback: number): number {
    const value = this.raw(name)?.trim();
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d*\.?\d+$/.test(value) || parsed > 1) throw new ConfigError(name, value, 'a number from 0 to 1');
    return parsed;
  }

  /** `true` or `false`, case-insensitive. */
  boolean(name: string, fallback: boolean): boolean {
    return this.oneOf(name, fallback ? 'true' : 'false', ['true', 'false']) === 'true';
  }

  /** A comma-separated list with surrounding blanks and empty entries removed. */
  list(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    return value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** True for an RFC 9110 token, which is what a header name must be. */
export function isHeaderName(name: string): boolean {
  return TOKEN.test(name);
}

const NAMED_PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** True for an address, an address/prefix, or one of Express's named ranges. */
export function isTrustedProxyEntry(entry: string): boolean {
  if (NAMED_PROXY_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = family === 4 ? 32 : 128;
  return /^\d+$/.test(prefix) && Number(prefix) <= bits;
}

/** True for an absolute http:// or https:// URL. */
export function isHttpUrl(value: string): boolean {
  const protocol = URL.parse(value)?.protocol;
  return protocol === 'http:' || protocol === 'https:';
}
