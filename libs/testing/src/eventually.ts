/**
 * Retries `attempt` until it stops throwing (typically a block of expectations), and returns
 * its result. It polls; it never waits longer than the condition takes to hold.
 */
export async function eventually<T>(
  attempt: () => Promise<T> | T,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, intervalMs));
  }
}
