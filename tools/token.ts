import { mintLocalSystemToken, mintLocalToken } from '@carelog/auth';
import { isRole, ROLES } from '@carelog/domain';

/**
 * `npm run --silent token -- --role <role> --org <ODS code> [--user <id>] [--nhs <NHS number>]`
 * `npm run --silent token -- --system <client id> --org <ODS code> --entry-types <Type,Type,...>`
 * Prints a bearer token (a person's, or a source system's) for a platform running in local
 * mode, and nothing else.
 */
function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

async function main(): Promise<void> {
  const system = argument('system');
  if (system !== undefined) {
    const organisation = argument('org');
    const entryTypes = (argument('entry-types') ?? '').split(',').filter(Boolean);
    if (!organisation || entryTypes.length === 0)
      throw new Error(
        'usage: npm run --silent token -- --system <client id> --org <ODS code> --entry-types <Type,Type,...>',
      );
    process.stdout.write(
      `${await mintLocalSystemToken({ organisation, entryTypes, clientId: system })}\n`,
    );
    return;
  }
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
