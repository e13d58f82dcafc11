import type { OpenAPIObject } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { problemFor, sendProblem } from './problem-details.filter';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An OpenAPI path template as a pattern of request paths: `{name}` is one path segment. */
function pathPattern(template: string): RegExp {
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : escapeRegExp(part)))
    .join('');
  return new RegExp(`^${pattern}/?$`);
}

/**
 * Answers 405 `method-not-allowed`, with `Allow`, a request whose path the service's OpenAPI
 * document lists but not with its method (RFC 9110 §15.5.6), rather than the 404 a router
 * gives: the path exists, the method does not. Paths the document does not list pass on.
 */
export function answerUndeclaredMethods(
  document: OpenAPIObject,
): (request: Request, response: Response, next: NextFunction) => void {
  const routes = Object.entries(document.paths).map(([template, item]) => {
    const methods = METHODS.filter((method) => method in item).map((method) =>
      method.toUpperCase(),
    );
    return {
      pattern: pathPattern(template),
      methods: methods.includes('GET') ? [...methods, 'HEAD'] : methods,
    };
  });
  return (request, response, next) => {
    const matching = routes.filter((route) => route.pattern.test(request.path));
    const allowed = [...new Set(matching.flatMap((route) => route.methods))];
    if (matching.length === 0 || allowed.includes(request.method)) {
      next();
      return;
    }
    response.setHeader('Allow', allowed.join(', '));
    sendProblem(
      request,
      response,
      problemFor('method-not-allowed', `${request.method} is not allowed here`),
    );
  };
}
