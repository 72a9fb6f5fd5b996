import type { NextFunction, Request, Response } from 'express';

/** Keys class-transformer mishandles: `__proto__` becomes a prototype, `constructor` crashes it (a 500). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Deeper bodies are refused too: class-transformer rebuilds them recursively. */
const MAX_DEPTH = 32;

/** The path of the first forbidden key, or of a nesting past MAX_DEPTH; undefined when the body is safe. */
function unsafePath(value: unknown, path: string, depth: number): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if (depth > MAX_DEPTH) return path;
  for (const [key, item] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return here;
    const nested = unsafePath(item, here, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * The one guard added before Nest's stock `ValidationPipe`: a JSON body holding `__proto__` /
 * `constructor` / `prototype` keys, or nested absurdly deep, is refused with a 400 naming the
 * field before class-transformer sees it.
 */
export function refusePrototypeKeys(request: Request, response: Response, next: NextFunction): void {
  const path = unsafePath(request.body, '', 0);
  if (!path) return next();
  const message = FORBIDDEN_KEYS.has(path.split('.').pop()!)
    ? `${path} is not an allowed key`
    : `${path} is nested more than ${MAX_DEPTH} levels deep`;
  response.status(400).json({
    statusCode: 400,
    message: [message],
    error: 'Bad Request',
    fields: [{ field: path, messages: [message] }],
  });
}
