import { BadRequestException } from '@nestjs/common';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s)?$/;

/**
 * `/delay/{duration}` in milliseconds: a bare number is seconds, as podinfo reads it (`1.5`), and
 * `250ms` and `2s` say their unit. Anything else is a 400.
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) {
    throw new BadRequestException(
      `"${text.slice(0, 40)}" is not a duration: use seconds (1.5), or 250ms or 2s`,
    );
  }
  const amount = Number(match[1]);
  return Math.round(match[2] === 'ms' ? amount : amount * 1000);
}
