import { BadRequestException } from '@nestjs/common';
import type { FaultSettings } from '../../../common/config/app-config';

const FIELDS = new Set(['errorRate', 'status', 'delayMs']);

/**
 * The body of PUT /faults: `{"errorRate": 0.3, "status": 503, "delayMs": 0}`, every field optional
 * (errorRate 0, status 500 and delayMs 0 when left out). Anything else is a 400 saying why.
 */
export function parseFaultSettings(body: unknown, maxDelayMs: number): FaultSettings {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException(
      'expected a JSON object: {"errorRate": 0-1, "status": 400-599, "delayMs": ms}',
    );
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !FIELDS.has(key));
  if (unknown.length > 0) {
    throw new BadRequestException(`unknown field ${unknown.join(', ')}: expected errorRate, status, delayMs`);
  }
  return {
    errorRate: numberField(fields.errorRate, 'errorRate', 0, 0, 1, false),
    status: numberField(fields.status, 'status', 500, 400, 599, true),
    delayMs: numberField(fields.delayMs, 'delayMs', 0, 0, maxDelayMs, true),
  };
}

function numberField(
  value: unknown,
  name: string,
  fallback: number,
  min: number,
  max: number,
  integer: boolean,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  ) {
    throw new BadRequestException(
      `${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
    );
  }
  return value;
}
