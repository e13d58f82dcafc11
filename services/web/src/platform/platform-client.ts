import { randomUUID } from 'node:crypto';
import type { Problem } from './plain-words';
import type { Upstream } from '../web-settings';

export type Answer<T> = { ok: true; status: number; body: T } | { ok: false; problem: Problem };

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Writes carry an Idempotency-Key (a fresh one unless given); null sends none (the API's default). */
  idempotencyKey?: string | null;
}

/**
 * The platform's HTTP APIs, called with the signed-in person's own token: the web app has no
 * access of its own, so it can show nothing the person could not read with the API.
 */
export class PlatformClient {
  constructor(private readonly upstreams: Record<Upstream, string>) {}

  async call<T>(
    upstream: Upstream,
    path: string,
    token: string,
    options: CallOptions = {},
  ): Promise<Answer<T>> {
    const method = options.method ?? 'GET';
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
    };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && options.idempotencyKey !== null)
      headers['Idempotency-Key'] = options.idempotencyKey ?? randomUUID();
    let response: Response;
    try {
      response = await fetch(`${this.upstreams[upstream]}${path}`, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
    } catch {
      return { ok: false, problem: { status: 503, code: 'platform-unreachable' } };
    }
    const text = await response.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.ok) return { ok: true, status: response.status, body: body as T };
    const problem = (typeof body === 'object' && body !== null ? body : {}) as Partial<Problem>;
    return {
      ok: false,
      problem: {
        status: response.status,
        ...(typeof problem.code === 'string' ? { code: problem.code } : {}),
        ...(typeof problem.detail === 'string' ? { detail: problem.detail } : {}),
        ...(typeof problem.field === 'string' ? { field: problem.field } : {}),
      },
    };
  }
}

export const PLATFORM_CLIENT = Symbol('PLATFORM_CLIENT');
