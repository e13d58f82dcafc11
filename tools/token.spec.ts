import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jobRoleTableFromEnv, localIssuerSettings, TokenVerifier } from '@carelog/auth';

const run = promisify(execFile);

/** `npm run token` as a developer runs it: each shape verified by the platform's own path. */
describe('npm run token', () => {
  const token = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, 'token.ts'), ...args],
      { env: { ...process.env, SWC_NODE_PROJECT: join(__dirname, '..', 'tsconfig.json') } },
    );
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    return stdout.trim();
  };
  const verify = async (bearer: string) =>
    new TokenVerifier(await localIssuerSettings(), jobRoleTableFromEnv({})).verifyAny(
      `Bearer ${bearer}`,
    );

  it('prints CIS2-, NHS login- and source-system-shaped tokens that local mode verifies', async () => {
    await expect(
      verify(await token('--cis2', 'S8000:G8000:R8016', '--org', 'R1H', '--user', 'mw')),
    ).resolves.toMatchObject({
      role: 'midwife',
      organisation: 'R1H',
      userId: 'mw',
    });
    await expect(
      verify(await token('--nhs-login', '--nhs', '9434765919', '--level', 'P5')),
    ).resolves.toMatchObject({
      role: 'patient',
      nhsNumber: '9434765919',
      identityProofingLevel: 'P5',
    });
    await expect(
      verify(await token('--nhs-login', '--carer', '--user', 'jo')),
    ).resolves.toMatchObject({
      role: 'carer',
      userId: 'jo',
      identityProofingLevel: 'P9',
    });
    await expect(
      verify(
        await token(
          '--system',
          'emis',
          '--org',
          'A81001',
          '--entry-types',
          'RegistrationStarted,ConsultationRecorded',
        ),
      ),
    ).resolves.toEqual({
      kind: 'source-system',
      clientId: 'emis',
      organisation: 'A81001',
      entryTypes: ['RegistrationStarted', 'ConsultationRecorded'],
      system: 'emis',
    });
    await expect(
      verify(await token('--role', 'social-worker', '--org', '716')),
    ).resolves.toMatchObject({
      role: 'social-worker',
      organisation: '716',
    });
  });

  it('refuses a job-role code no rule maps, once verified', async () => {
    await expect(verify(await token('--cis2', 'R8010', '--org', 'A81001'))).rejects.toMatchObject({
      code: 'role-not-mapped',
    });
  });
});
