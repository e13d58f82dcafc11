import { buildDist, distDir } from '@carelog/local-infra';

/** `npm run build`: the services and the operators' tools as JavaScript in dist/ (see README). */
async function main(): Promise<void> {
  const { compiled, copied, ms } = await buildDist();
  console.log(
    `carelog build: ${compiled} modules compiled, ${copied} data files copied to ${distDir} in ${ms} ms`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
