import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIssuerSettings, verifierSettingsFromEnv } from './issuers';
import { jobRoleTableFromEnv, mapJobRole, parseJobRoleTable } from './cis2/cis2-roles';

const cis2 = { kind: 'cis2', issuer: 'https://cis2.example', audience: 'client', discovery: true };

describe('the issuers configuration', () => {
  it('reads issuers with defaults, discovery URLs derived from the issuer', () => {
    const settings = parseIssuerSettings({ issuers: [cis2] });
    expect(settings).toMatchObject({
      clockSkewSeconds: 60,
      jwksCooldownSeconds: 30,
      jwksCacheMaxAgeSeconds: 600,
    });
    expect(settings.issuers[0]).toMatchObject({
      kind: 'cis2',
      keys: { discoveryUrl: 'https://cis2.example/.well-known/openid-configuration' },
    });
  });

  it.each([
    ['no issuers', { issuers: [] }, /non-empty list/],
    ['an unknown kind', { issuers: [{ ...cis2, kind: 'facebook' }] }, /kind/],
    ['no audience', { issuers: [{ ...cis2, audience: '' }] }, /audience/],
    [
      'both jwksUri and discovery',
      { issuers: [{ ...cis2, jwksUri: 'https://cis2.example/jwks' }] },
      /exactly one/,
    ],
    [
      'neither jwksUri nor discovery',
      { issuers: [{ ...cis2, discovery: undefined }] },
      /exactly one/,
    ],
    ['a carer client on CIS2', { issuers: [{ ...cis2, carerAudience: 'c' }] }, /NHS login/],
    ['the same issuer twice', { issuers: [cis2, { ...cis2, kind: 'nhs-login' }] }, /twice/],
    ['HS256', { issuers: [{ ...cis2, algorithms: ['HS256'] }] }, /algorithms/],
    ['a negative skew', { clockSkewSeconds: -1, issuers: [cis2] }, /clockSkewSeconds/],
  ])('refuses %s', (_label, raw, message) => {
    expect(() => parseIssuerSettings(raw)).toThrow(message);
  });

  it('reads CARELOG_ISSUERS_FILE, or CARELOG_ISSUERS inline, and refuses an unknown mode', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'carelog-issuers-')), 'issuers.json');
    writeFileSync(file, JSON.stringify({ issuers: [cis2] }));
    await expect(verifierSettingsFromEnv({ CARELOG_ISSUERS_FILE: file })).resolves.toMatchObject({
      issuers: [{ issuer: 'https://cis2.example' }],
    });
    await expect(
      verifierSettingsFromEnv({ CARELOG_ISSUERS: JSON.stringify({ issuers: [cis2] }) }),
    ).resolves.toMatchObject({
      issuers: [{ kind: 'cis2' }],
    });
    await expect(verifierSettingsFromEnv({ CARELOG_AUTH_MODE: 'trust-everyone' })).rejects.toThrow(
      /jwks or local/,
    );
  });
});

describe('the CIS2 job-role table', () => {
  const rule = {
    jobRole: 'R8010',
    name: 'Clerical',
    role: 'care-worker',
    profession: 'care-worker',
  };

  it("an ICS's own table (CARELOG_CIS2_ROLE_MAP_FILE) replaces the one kept in the repository", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'carelog-roles-')), 'roles.json');
    writeFileSync(file, JSON.stringify({ rules: [rule] }));
    const table = jobRoleTableFromEnv({ CARELOG_CIS2_ROLE_MAP_FILE: file });
    expect(mapJobRole(table, 'S8000:G8000:R8010', '716').role).toBe('care-worker');
    expect(() => mapJobRole(table, 'S8000:G8000:R0260', 'A81001')).toThrow(
      expect.objectContaining({ code: 'role-not-mapped' }),
    );
  });

  it.each([
    ['no rules', { rules: [] }, /non-empty/],
    ['a code that is not an R-code', { rules: [{ ...rule, jobRole: 'S8000' }] }, /R-code/],
    ['an unknown carelog role', { rules: [{ ...rule, role: 'surgeon' }] }, /staff role/],
    ['a patient role', { rules: [{ ...rule, role: 'patient' }] }, /staff role/],
    [
      'an organisation pattern not defined',
      { rules: [{ ...rule, organisation: 'hospital' }] },
      /organisation pattern/,
    ],
    [
      'a profession that is not a slug',
      { rules: [{ ...rule, profession: 'Care Worker' }] },
      /slug/,
    ],
  ])('refuses a table with %s', (_label, raw, message) => {
    expect(() => parseJobRoleTable(raw)).toThrow(message);
  });
});
