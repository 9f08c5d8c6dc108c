import { PayloadTooLargeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Request bodies are never used; JSON and form bodies up to this size are parsed (Nest's default, 100 KiB). */
export const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * Answers 413 to a request whose Content-Length is over the limit before a byte of its body is
 * read. Nest's body parser would also answer 413, but only after waiting for the whole body to
 * arrive. The connection is closed after the answer, so the body is never read.
 */
export function rejectDeclaredOversizedBodies(req: Request, res: Response, next: NextFunction): void {
  const declared = Number(req.headers['content-length']);
  if (declared > BODY_LIMIT_BYTES) {
    res.setHeader('Connection', 'close');
    next(new PayloadTooLargeException(`request bodies are limited to ${BODY_LIMIT_BYTES} bytes`));
    return;
  }
  next();
}
