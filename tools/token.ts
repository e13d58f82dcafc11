import {
  mintLocalCis2Token,
  mintLocalNhsLoginToken,
  mintLocalSystemToken,
  mintLocalToken,
} from '@carelog/auth';
import { isRole, ROLES } from '@carelog/domain';

const USAGE = `usage: npm run --silent token -- <one of>
  --cis2 <role code "Sxxxx:Gxxxx:Rxxxx" or job-role code "Rxxxx"> --org <ODS code> [--user <uid>]
  --nhs-login [--nhs <NHS number>] [--level P9|P5|P0|none] [--carer] [--user <sub>]
  --system <client id> --org <ODS code> --entry-types <EntryType,...> [--name <system name>]
  --role <${ROLES.join('|')}> --org <ODS code> [--user <id>] [--nhs <NHS number>]   (a shortcut: a CIS2- or NHS login-shaped token for that role)`;

/**
 * Prints a bearer token for a platform running in local mode, and nothing else: shaped as NHS
 * CIS2, NHS login or the platform token endpoint issue them, signed with the local issuers' keys.
 */
function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  const value = index === -1 ? undefined : process.argv[index + 1];
  return value?.startsWith('--') ? undefined : value;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

function usage(): never {
  throw new Error(USAGE);
}

async function mint(): Promise<string> {
  const organisation = argument('org');
  const userId = argument('user');
  const nhsNumber = argument('nhs');
  const user = userId ? { userId } : {};
  const cis2 = argument('cis2');
  if (cis2) {
    if (!organisation) usage();
    return mintLocalCis2Token({ roleCode: cis2, organisation, ...user });
  }
  if (flag('nhs-login')) {
    const level = argument('level') ?? 'P9';
    return mintLocalNhsLoginToken({
      ...user,
      ...(nhsNumber ? { nhsNumber } : {}),
      proofingLevel: level === 'none' ? null : level,
      carer: flag('carer'),
    });
  }
  const clientId = argument('system');
  if (clientId) {
    const types = argument('entry-types');
    const systemName = argument('name');
    if (!organisation || !types) usage();
    return mintLocalSystemToken({
      clientId,
      organisation,
      entryTypes: types.split(',').filter(Boolean),
      ...(systemName ? { systemName } : {}),
    });
  }
  const role = argument('role');
  if (!role || !isRole(role) || !organisation) usage();
  return mintLocalToken({ role, organisation, ...user, ...(nhsNumber ? { nhsNumber } : {}) });
}

mint()
  .then((token) => process.stdout.write(`${token}\n`))
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  });
