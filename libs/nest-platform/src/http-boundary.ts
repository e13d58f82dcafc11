import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { DomainError, hasForbiddenCharacter } from '@carelog/domain';
import type { NextFunction, Request, Response } from 'express';
import { problemFor } from './problem-details.filter';

/**
 * The HTTP limits every carelog service applies before any route runs (README: "Input
 * limits"). Each refusal is problem+json with a stable code, like every other error.
 */

/** Deepest nesting of arrays and objects a JSON body may have; entries need fewer than 10. */
export const MAX_JSON_DEPTH = 32;
/** Node's own limit on the request line and headers together (its default, stated here). */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Longest query string accepted. */
export const MAX_QUERY_LENGTH = 4096;

/** An error the body parser reports with its own `type`, mapped by the problem filter. */
class BodyRefused extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const OPEN = new Set([0x7b, 0x5b]); // { [
const CLOSE = new Set([0x7d, 0x5d]); // } ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The nesting depth of a JSON text, read from its UTF-8 bytes before it is parsed, so that a
 * body nested 100,000 deep is refused without being built (JSON.stringify and every walk of
 * it would overflow the stack). Stops counting once past `limit`.
 */
export function jsonDepth(bytes: Uint8Array, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte !== undefined && OPEN.has(byte)) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (byte !== undefined && CLOSE.has(byte)) depth--;
  }
  return deepest;
}

/** body-parser's `verify`: UTF-8 only (RFC 8259 §8.1), and no deeper than MAX_JSON_DEPTH. */
export function verifyJsonBody(
  _request: IncomingMessage,
  _response: unknown,
  body: Buffer,
  encoding: string | null,
): void {
  if (encoding !== null && !/^utf-?8$/i.test(encoding))
    throw new BodyRefused('charset.unsupported', 'JSON bodies must be UTF-8');
  if (jsonDepth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
    throw new BodyRefused('entity.too.deep', `nested deeper than ${MAX_JSON_DEPTH} levels`);
}

const parameterName = (key: string): string => key.replace(/\[.*$/s, '') || key;

/**
 * Every query parameter single-valued and plainly named: `type=A&type=B` is refused
 * (`repeated-parameter`) rather than read as one of them or as a list, and `asAt[]=` or
 * `setting[gp]=` (`invalid-parameter`) rather than ignored. Values may not hold control
 * characters. Read from the raw query string, so it holds whatever Express's parser does.
 */
export function checkQueryString(search: string): void {
  if (search.length > MAX_QUERY_LENGTH)
    throw new DomainError(
      'query-too-long',
      `the query string must be at most ${MAX_QUERY_LENGTH} characters`,
      'query',
    );
  const seen = new Set<string>();
  for (const part of search.split('&')) {
    if (part === '') continue;
    const separator = part.indexOf('=');
    const [rawKey, rawValue] =
      separator === -1 ? [part, ''] : [part.slice(0, separator), part.slice(separator + 1)];
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      throw new DomainError('invalid-parameter', 'is not percent-encoded correctly', rawKey);
    }
    if (/[[\]]/.test(key) || hasForbiddenCharacter(key, 'text'))
      throw new DomainError(
        'invalid-parameter',
        'query parameters are plain names with one value each',
        parameterName(key),
      );
    if (seen.has(key))
      throw new DomainError('repeated-parameter', 'must be given at most once', key);
    seen.add(key);
    if (hasForbiddenCharacter(value, 'text'))
      throw new DomainError('invalid-parameter', 'must not contain control characters', key);
  }
}

/** Path segments holding control characters name nothing carelog has: refused before routing. */
export function checkPath(path: string): void {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    throw new DomainError('invalid-path', 'the path is not percent-encoded correctly', 'path');
  }
  if (hasForbiddenCharacter(decoded, 'text'))
    throw new DomainError('invalid-path', 'the path must not contain control characters', 'path');
}

/** Express middleware applying checkPath and checkQueryString to every request. */
export function requestLineBoundary(
  request: Request,
  _response: Response,
  next: NextFunction,
): void {
  const url = request.originalUrl;
  const mark = url.indexOf('?');
  try {
    checkPath(mark === -1 ? url : url.slice(0, mark));
    if (mark !== -1) checkQueryString(url.slice(mark + 1));
    next();
  } catch (error) {
    next(error);
  }
}

/**
 * Node answers malformed requests and headers over MAX_HEADER_BYTES itself, before Express
 * sees them, with a bare status line. This answers them as problem+json instead.
 */
export function answerClientErrorsAsProblems(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && !socket.readable)) {
      socket.destroy();
      return;
    }
    const problem =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? problemFor(
            'headers-too-large',
            `the request line and headers must be at most ${MAX_HEADER_BYTES} bytes`,
            'headers',
          )
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? problemFor('request-timeout', 'the request took too long to arrive')
          : problemFor('malformed-request', 'the request is not valid HTTP/1.1');
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${problem.status} ${problem.title}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
