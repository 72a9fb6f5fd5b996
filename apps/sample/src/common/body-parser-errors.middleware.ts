import type { NextFunction, Request, Response } from 'express';

interface BodyParserError {
  type?: string;
  status?: number;
}

/**
 * Express error middleware placed right after the JSON body parser. Its errors would otherwise
 * reach the caller with the parser's own message, which for invalid JSON quotes part of the body
 * (possibly an email). Answers in the usual `{ statusCode, message, error }` shape instead.
 */
export function bodyParserErrors(error: unknown, _request: Request, response: Response, next: NextFunction): void {
  const { type, status } = (error ?? {}) as BodyParserError;
  if (type === 'entity.too.large') {
    response
      .status(413)
      .json({ statusCode: 413, message: 'The body is larger than allowed', error: 'Payload Too Large' });
  } else if (type?.startsWith('entity.') || type === 'encoding.unsupported' || type === 'charset.unsupported') {
    response.status(status ?? 400).json({
      statusCode: status ?? 400,
      message: 'The body is not valid JSON',
      error: 'Bad Request',
      fields: [{ field: '(body)', messages: ['the body must be valid JSON in UTF-8'] }],
    });
  } else {
    next(error);
  }
}
