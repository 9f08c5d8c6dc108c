import { All, Controller, HttpException, Param, Res } from '@nestjs/common';
import { ApiDoc } from '../../common/http/api-doc';
import type { Response } from 'express';
import { parseStatusList, pickStatus } from './parse-status-list';

/** Statuses whose answers carry no body (RFC 9110). */
const NO_BODY = new Set([204, 205, 304]);

/** The status asked for, with any method: go-httpbin's and podinfo's /status, as Flagger's tutorials use it. */
@Controller('status')
export class StatusController {
  @All(':codes')
  @ApiDoc({
    summary: 'Answers with that status, or one drawn from a weighted list (200:0.9,500:0.1)',
    params: { codes: '200-599, each with an optional weight, e.g. 200:0.9,500:0.1' },
    responses: { 200: 'or whichever status was asked for', 400: 'not a list of statuses' },
  })
  answer(@Param('codes') codes: string, @Res({ passthrough: true }) res: Response): object | undefined {
    const status = pickStatus(parseStatusList(codes));
    // An error status is an error like any other: the one error shape, logged at its level.
    if (status >= 400) throw new HttpException(`status ${status}, as asked`, status);
    res.status(status);
    return NO_BODY.has(status) ? undefined : { statusCode: status, message: `status ${status}, as asked` };
  }
}
