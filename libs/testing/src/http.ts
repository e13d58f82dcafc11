export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** A fetch that returns status, headers and the parsed JSON body together. */
export async function requestJson<T = unknown>(
  url: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  // A request that hangs fails the test with its URL instead of running into the test's time-out.
  const response = await fetch(url, {
    signal: AbortSignal.timeout(20_000),
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
      : {}),
  });
  const text = await response.text().catch((error: unknown) => {
    throw new Error(`${init.method ?? 'GET'} ${url}: ${(error as Error).message}`);
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}
