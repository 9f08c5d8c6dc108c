import { BadRequestException } from '@nestjs/common';

export interface WeightedStatus {
  status: number;
  weight: number;
}

/** More choices than anyone needs, and a bound on the work one URL can ask for. */
const MAX_CHOICES = 32;
const CHOICE = /^(\d{3})(?::(\d*\.?\d+))?$/;

/**
 * `/status/{codes}`: one code (`503`), or a weighted list in go-httpbin's format
 * (`200:0.9,500:0.1`, a code without a weight counting as 1). Codes are final statuses, 200-599:
 * a 1xx cannot be sent as an answer. Anything else is a 400 saying why.
 */
export function parseStatusList(text: string): WeightedStatus[] {
  const items = text.split(',').map((item) => item.trim());
  if (items.length > MAX_CHOICES) throw new BadRequestException(`at most ${MAX_CHOICES} codes`);
  const choices = items.map((item) => {
    const match = CHOICE.exec(item);
    if (match === null) {
      throw new BadRequestException(
        `"${item.slice(0, 40)}" is not a status code or code:weight (e.g. 200:0.9,500:0.1)`,
      );
    }
    const status = Number(match[1]);
    if (status < 200 || status > 599) {
      throw new BadRequestException(`status ${status} cannot be answered: use 200-599`);
    }
    return { status, weight: match[2] === undefined ? 1 : Number(match[2]) };
  });
  if (choices.every((choice) => choice.weight === 0)) throw new BadRequestException('every weight is 0');
  return choices;
}

/** One status drawn from the list, each with the share its weight gives it. */
export function pickStatus(choices: readonly WeightedStatus[], random = Math.random): number {
  const total = choices.reduce((sum, choice) => sum + choice.weight, 0);
  let point = random() * total;
  for (const choice of choices) {
    point -= choice.weight;
    if (point < 0) return choice.status;
  }
  return choices.findLast((choice) => choice.weight > 0)?.status ?? (choices[0] as WeightedStatus).status;
}
