import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Body parsers run one after the other, only for a request whose head mentions a body at all
 * (a Transfer-Encoding or a Content-Length field, even "0"); each parser still decides for itself
 * whether and how to read it. A request without one, as most are, passes one middleware instead
 * of one per parser: each costs a turn of Express's router (docs/performance.md).
 */
export function parseDeclaredBody(parsers: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.headers['transfer-encoding'] === undefined && req.headers['content-length'] === undefined) {
      next();
      return;
    }
    let index = 0;
    const nextParser = (error?: unknown): void => {
      const parser = parsers[index++];
      if (error !== undefined || parser === undefined) next(error);
      else void parser(req, res, nextParser);
    };
    nextParser();
  };
}
