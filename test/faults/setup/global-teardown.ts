/** Stops the servers the set-up started; servers that were already running stay up. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.carelogFaultServers?.stop();
}
