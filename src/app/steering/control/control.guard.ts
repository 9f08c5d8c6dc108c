import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../../common/config/app-config';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * With CONTROL_PORT set, a control request on any other port answers 404, as an unknown route does.
 * With CONTROL_TOKEN set, a control request needs `Authorization: Bearer <token>`. The digests are
 * compared in constant time, so the answer's timing says nothing about how much of a guess was
 * right; the token is never logged (headers never are).
 */
@Injectable()
export class ControlGuard implements CanActivate {
  private readonly expected: Buffer | undefined;
  private readonly port: number | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.control.token === undefined ? undefined : digest(config.control.token);
    this.port = config.control.port;
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (this.port !== undefined && req.socket.localPort !== this.port) {
      throw new NotFoundException(`Cannot ${req.method} ${req.path}`);
    }
    if (this.expected === undefined) return true;
    const presented = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (presented !== undefined && timingSafeEqual(digest(presented), this.expected)) return true;
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="httpserver control"');
    throw new UnauthorizedException('the control endpoints need Authorization: Bearer <CONTROL_TOKEN>');
  }
}
