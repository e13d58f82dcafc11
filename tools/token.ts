import { mintLocalToken } from '@carelog/auth';
import { isRole, ROLES } from '@carelog/domain';

/**
 * `npm run --silent token -- --role <role> --org <ODS code> [--user <id>] [--nhs <NHS number>]`
 * Prints a bearer token for a platform running in local mode, and nothing else.
 */
function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

async function main(): Promise<void> {
  const role = argument('role');
  const organisation = argument('org');
  if (!role || !isRole(role) || !organisation) {
    throw new Error(
      `usage: npm run --silent token -- --role <${ROLES.join('|')}> --org <ODS code> [--user <id>] [--nhs <NHS number>]`,
    );
  }
  const userId = argument('user');
  const nhsNumber = argument('nhs');
  process.stdout.write(
    `${await mintLocalToken({ role, organisation, ...(userId ? { userId } : {}), ...(nhsNumber ? { nhsNumber } : {}) })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
