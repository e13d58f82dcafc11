import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { eventually, TestIssuer, unsignedToken } from '@carelog/testing';
import { mintLocalSystemToken, mintLocalToken, mintLocalNhsLoginToken } from './local-token';
import { jobRoleTableFromEnv } from './cis2/cis2-roles';
import { localIssuerSettings, parseIssuerSettings } from './issuers';
import { TokenVerifier } from './token-verifier';
import type { Role } from '@carelog/domain';

const AUD = 'carelog-test';
const CARER_AUD = 'carelog-test-carer';

/** A CIS2-shaped claim set: the user's national RBAC roles and the one they selected. */
const cis2Claims = (roleCode: string, orgCode: string, extra: Record<string, unknown> = {}) => ({
  sub: '555021935107',
  nhsid_useruid: '555021935107',
  nhsid_nrbac_roles: [
    { person_roleid: '555254239107', org_code: 'X26', role_code: 'S8000:G8000:R8010' },
    { person_roleid: '555254240100', org_code: orgCode, role_code: roleCode },
  ],
  selected_roleid: '555254240100',
  acr: 'AAL3_ANY',
  amr: ['sc'],
  azp: 'emis-web',
  ...extra,
});

/** An NHS login-shaped claim set. */
const nhsLoginClaims = (level: string | undefined, extra: Record<string, unknown> = {}) => ({
  sub: '49f470a1-cc52-49b7-beba-0f9cec937c46',
  nhs_number: '9434765919',
  ...(level ? { identity_proofing_level: level, vot: `${level}.Cp.Cd` } : {}),
  ...extra,
});

describe('token verification: CIS2, NHS login and source systems from real JWKS and discovery endpoints', () => {
  let cis2: TestIssuer;
  let nhsLogin: TestIssuer;
  let platform: TestIssuer;

  beforeAll(async () => {
    [cis2, nhsLogin, platform] = await Promise.all([
      TestIssuer.start(),
      TestIssuer.start(),
      TestIssuer.start(),
    ]);
  });
  afterAll(() => Promise.all([cis2.close(), nhsLogin.close(), platform.close()]));

  const verifier = (overrides: Record<string, unknown> = {}) =>
    new TokenVerifier(
      parseIssuerSettings({
        clockSkewSeconds: 60,
        jwksCooldownSeconds: 0,
        ...overrides,
        issuers: [
          { kind: 'cis2', issuer: cis2.url, audience: AUD, discovery: true },
          {
            kind: 'nhs-login',
            issuer: nhsLogin.url,
            audience: AUD,
            carerAudience: CARER_AUD,
            jwksUri: nhsLogin.jwksUri,
          },
          {
            kind: 'source-system',
            issuer: platform.url,
            audience: 'carelog',
            discovery: `${platform.url}/.well-known/openid-configuration`,
          },
        ],
      }),
      jobRoleTableFromEnv({}),
    );
  const bearer = (token: string) => `Bearer ${token}`;

  describe('staff from NHS CIS2: the selected role, mapped by its national job-role code', () => {
    // [job-role code, org_code of the selected role, carelog role or the refusal's code]
    const cases: Array<[string, string, Role | 'role-not-mapped']> = [
      ['R0260', 'A81001', 'gp'],
      ['R0270', 'A81001', 'gp'],
      ['R6300', 'B82002', 'gp'],
      ['R6200', 'A81001', 'gp'],
      ['R8000', 'A81001', 'gp'],
      ['R8000', 'RY448', 'role-not-mapped'],
      ['R8001', 'A81001', 'practice-nurse'],
      ['R0620', 'A81001', 'practice-nurse'],
      ['R0620', 'RY448', 'role-not-mapped'],
      ['R8001', 'RY448', 'community-nurse'],
      ['R0700', 'RY448', 'community-nurse'],
      ['R8016', 'R1H', 'midwife'],
      ['R8017', 'R1H', 'midwife'],
      ['R0680', 'R1H', 'midwife'],
      ['R0690', 'RYX', 'health-visitor'],
      ['R8014', '716', 'social-worker'],
      ['R1330', '716', 'social-worker'],
      ['R9570', '716', 'social-worker'],
      ['R1460', '716', 'care-worker'],
      ['R0243', '716', 'care-worker'],
      ['R1070', 'RX1', 'urgent-care'],
      ['R1100', 'RX1', 'urgent-care'],
      ['R1290', 'FA123', 'pharmacist'],
      ['R8003', 'FA123', 'pharmacist'],
      ['R8003', 'RY448', 'role-not-mapped'],
      ['R0001', 'A81001', 'privacy-officer'],
      ['R5105', 'RY448', 'privacy-officer'],
      ['R8010', 'A81001', 'role-not-mapped'],
      ['R8008', 'A81001', 'role-not-mapped'],
      ['R5090', 'A81001', 'role-not-mapped'],
    ];

    it.each(cases)('%s at %s -> %s', async (jobRole, org, expected) => {
      const token = await cis2.sign(cis2Claims(`S8000:G8000:${jobRole}`, org));
      const result = verifier().verifyAny(bearer(token));
      if (expected === 'role-not-mapped') {
        await expect(result).rejects.toMatchObject({ code: 'role-not-mapped' });
      } else {
        await expect(result).resolves.toMatchObject({
          kind: 'person',
          userId: '555021935107',
          role: expected,
          organisation: org,
          system: 'emis-web',
        });
      }
    });

    it('maps every rule of the table kept in the repository to its own role', async () => {
      const table = jobRoleTableFromEnv({});
      const orgFor = { 'gp-practice': 'A81001', 'community-pharmacy': 'FA123' } as const;
      for (const rule of table.rules) {
        const org = rule.organisation ? orgFor[rule.organisation as keyof typeof orgFor] : 'RY448';
        const token = await cis2.sign(cis2Claims(`S8000:G8000:${rule.jobRole}`, org));
        const caller = await verifier().verify(bearer(token));
        expect([rule.jobRole, caller.role]).toEqual([rule.jobRole, rule.role]);
      }
    });

    it('uses the selected role only, and refuses a token that selected none', async () => {
      const token = await cis2.sign({
        ...cis2Claims('S8000:G8000:R0260', 'A81001'),
        selected_roleid: '555254239107',
      });
      await expect(verifier().verify(bearer(token))).rejects.toMatchObject({
        code: 'role-not-mapped',
      });
      const none = await cis2.sign({
        ...cis2Claims('S8000:G8000:R0260', 'A81001'),
        selected_roleid: undefined,
      });
      await expect(verifier().verify(bearer(none))).rejects.toMatchObject({
        code: 'role-not-selected',
      });
    });

    it("ignores carelog's own claims in a CIS2 token: they make no one a system or a privacy officer", async () => {
      const token = await cis2.sign(
        cis2Claims('S8000:G8000:R8001', 'A81001', {
          carelog_role: 'privacy-officer',
          carelog_caller: 'source-system',
          carelog_org: 'RY448',
          carelog_entry_types: ['RegistrationStarted'],
          client_id: 'forged',
        }),
      );
      await expect(verifier().verifyAny(bearer(token))).resolves.toMatchObject({
        kind: 'person',
        role: 'practice-nurse',
        organisation: 'A81001',
      });
    });
  });

  describe('patients and carers from NHS login', () => {
    it.each([
      ['P9', 'P9'],
      ['P5', 'P5'],
      ['P0', 'P0'],
    ])('a patient at %s carries level %s and their NHS number', async (level, expected) => {
      const token = await nhsLogin.sign(nhsLoginClaims(level));
      await expect(verifier().verify(bearer(token))).resolves.toEqual({
        kind: 'person',
        userId: '49f470a1-cc52-49b7-beba-0f9cec937c46',
        role: 'patient',
        profession: 'patient',
        organisation: 'NHSLOGIN',
        system: 'unknown',
        nhsNumber: '9434765919',
        identityProofingLevel: expected,
      });
    });

    it('gives no level when the token has none, and the lower level when vot and the claim differ', async () => {
      const missing = await verifier().verify(
        bearer(await nhsLogin.sign(nhsLoginClaims(undefined))),
      );
      expect(missing.identityProofingLevel).toBeUndefined();
      const mixed = await verifier().verify(
        bearer(await nhsLogin.sign(nhsLoginClaims('P9', { vot: 'P5.Cp.Cd' }))),
      );
      expect(mixed.identityProofingLevel).toBe('P5');
      const bogus = await verifier().verify(
        bearer(await nhsLogin.sign(nhsLoginClaims(undefined, { identity_proofing_level: 'P99' }))),
      );
      expect(bogus.identityProofingLevel).toBeUndefined();
    });

    it('is a carer when signed in through the carer client, without an NHS number to read by', async () => {
      const token = await nhsLogin.sign(nhsLoginClaims('P9', { carelog_role: 'patient' }), {
        audience: CARER_AUD,
      });
      const caller = await verifier().verify(bearer(token));
      expect(caller).toMatchObject({
        role: 'carer',
        organisation: 'NHSLOGIN',
        identityProofingLevel: 'P9',
      });
      expect(caller.nhsNumber).toBeUndefined();
      const both = await nhsLogin.sign(nhsLoginClaims('P9'), { audience: [AUD, CARER_AUD] });
      await expect(verifier().verify(bearer(both))).rejects.toMatchObject({
        code: 'invalid-token',
      });
    });
  });

  describe('source systems: the platform token endpoint', () => {
    it('maps its token to a source-system caller, refused on person-only routes', async () => {
      const token = await platform.sign(
        {
          sub: 'emis-a81001',
          client_id: 'emis-a81001',
          carelog_org: 'A81001',
          carelog_entry_types: ['RegistrationStarted'],
          carelog_system_name: 'EMIS Web',
        },
        { audience: 'carelog' },
      );
      await expect(verifier().verifyAny(bearer(token))).resolves.toEqual({
        kind: 'source-system',
        clientId: 'emis-a81001',
        organisation: 'A81001',
        entryTypes: ['RegistrationStarted'],
        system: 'EMIS Web',
      });
      await expect(verifier().verify(bearer(token))).rejects.toMatchObject({
        code: 'person-required',
      });
    });

    it('refuses a system token whose sub is not its client id', async () => {
      const token = await platform.sign(
        {
          sub: 'someone',
          client_id: 'emis-a81001',
          carelog_org: 'A81001',
          carelog_entry_types: [],
        },
        { audience: 'carelog' },
      );
      await expect(verifier().verifyAny(bearer(token))).rejects.toMatchObject({
        code: 'invalid-token',
      });
    });
  });

  describe('what is refused (0 accepted that should not be)', () => {
    const gp = () => cis2Claims('S8000:G8000:R0260', 'A81001');

    it("two issuers at once: each token verifies only with its own issuer's keys", async () => {
      const v = verifier();
      await expect(v.verify(bearer(await cis2.sign(gp())))).resolves.toMatchObject({ role: 'gp' });
      await expect(
        v.verify(bearer(await nhsLogin.sign(nhsLoginClaims('P9')))),
      ).resolves.toMatchObject({ role: 'patient' });
      // NHS login's key, CIS2's issuer: signed by the wrong issuer.
      const crossed = await nhsLogin.sign(gp(), { issuer: cis2.url });
      await expect(v.verify(bearer(crossed))).rejects.toMatchObject({ code: 'invalid-token' });
      // A CIS2-shaped token from NHS login is read as NHS login's (a patient), never as staff.
      await expect(v.verify(bearer(await nhsLogin.sign(gp())))).resolves.toMatchObject({
        role: 'patient',
      });
    });

    it('a token from an issuer nobody configured', async () => {
      const stranger = await TestIssuer.start();
      try {
        await expect(verifier().verify(bearer(await stranger.sign(gp())))).rejects.toMatchObject({
          code: 'invalid-token',
        });
        // ... even claiming a trusted issuer's name.
        const forged = await stranger.sign(gp(), { issuer: cis2.url });
        await expect(verifier().verify(bearer(forged))).rejects.toMatchObject({
          code: 'invalid-token',
        });
      } finally {
        await stranger.close();
      }
    });

    it("a foreign key with the issuer's known kid", async () => {
      const { privateKey } = await generateKeyPair('RS256');
      const token = await cis2.sign(gp(), { key: privateKey, kid: cis2.currentKid });
      await expect(verifier().verify(bearer(token))).rejects.toMatchObject({
        code: 'invalid-token',
      });
    });

    it('missing exp, expired, iat in the future, nbf in the future, wrong aud', async () => {
      const v = verifier();
      const refused = [
        await cis2.sign(gp(), { expiresIn: null }),
        await cis2.sign(gp(), { expiresIn: -120 }),
        await cis2.sign(gp(), { issuedAt: 86_400, expiresIn: 90_000 }),
        await cis2.sign(gp(), { issuedAt: 120 }),
        await cis2.sign(gp(), { notBefore: 3600 }),
        await cis2.sign(gp(), { audience: 'someone-else' }),
        await cis2.sign(gp(), { audience: CARER_AUD }),
      ];
      for (const token of refused)
        await expect(v.verify(bearer(token))).rejects.toMatchObject({ code: 'invalid-token' });
      // Within the documented skew (60 s) is accepted.
      await expect(
        v.verify(bearer(await cis2.sign(gp(), { issuedAt: 30 }))),
      ).resolves.toMatchObject({ role: 'gp' });
    });

    it('refuses a token at its exp even though it was verified, and remembered, before', async () => {
      const v = verifier({ clockSkewSeconds: 0 });
      const token = await cis2.sign(gp(), { expiresIn: 2 });
      const exp = decodeJwt(token).exp as number;
      await expect(v.verify(bearer(token))).resolves.toMatchObject({ role: 'gp' });
      await expect(v.verify(bearer(token))).resolves.toMatchObject({ role: 'gp' });
      await eventually(() => expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000), {
        intervalMs: 50,
      });
      await expect(v.verify(bearer(token))).rejects.toMatchObject({ code: 'invalid-token' });
    });

    it('alg none, a shared-secret algorithm, and an algorithm the issuer is not configured for', async () => {
      const v = verifier();
      const now = Math.floor(Date.now() / 1000);
      const none = unsignedToken(
        { kid: cis2.currentKid, typ: 'JWT' },
        { ...gp(), iss: cis2.url, aud: AUD, iat: now, exp: now + 300 },
      );
      await expect(v.verify(bearer(none))).rejects.toMatchObject({ code: 'invalid-token' });
      const hs = await new SignJWT(gp())
        .setProtectedHeader({ alg: 'HS256', kid: cis2.currentKid })
        .setIssuer(cis2.url)
        .setAudience(AUD)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode('a shared secret anyone could guess'));
      await expect(v.verify(bearer(hs))).rejects.toMatchObject({ code: 'invalid-token' });
      const restricted = new TokenVerifier(
        parseIssuerSettings({
          issuers: [
            {
              kind: 'cis2',
              issuer: cis2.url,
              audience: AUD,
              jwksUri: cis2.jwksUri,
              algorithms: ['ES256'],
            },
          ],
        }),
        jobRoleTableFromEnv({}),
      );
      await expect(restricted.verify(bearer(await cis2.sign(gp())))).rejects.toMatchObject({
        code: 'invalid-token',
      });
      expect(() =>
        parseIssuerSettings({
          issuers: [
            {
              kind: 'cis2',
              issuer: 'x',
              audience: 'y',
              jwksUri: 'http://a/',
              algorithms: ['none'],
            },
          ],
        }),
      ).toThrow(/algorithms/);
    });

    it('key rotation: the new kid is fetched, and the retired key is refused', async () => {
      const rotating = await TestIssuer.start();
      try {
        const v = new TokenVerifier(
          parseIssuerSettings({
            jwksCooldownSeconds: 0,
            issuers: [{ kind: 'cis2', issuer: rotating.url, audience: AUD, discovery: true }],
          }),
          jobRoleTableFromEnv({}),
        );
        const oldKid = rotating.currentKid;
        const oldToken = await rotating.sign(gp());
        await expect(v.verify(bearer(oldToken))).resolves.toMatchObject({ role: 'gp' });
        const fetchesBefore = rotating.jwksFetches;
        await rotating.addKey();
        rotating.retire(oldKid);
        await expect(v.verify(bearer(await rotating.sign(gp())))).resolves.toMatchObject({
          role: 'gp',
        });
        expect(rotating.jwksFetches).toBe(fetchesBefore + 1);
        await expect(v.verify(bearer(oldToken))).rejects.toMatchObject({ code: 'invalid-token' });
      } finally {
        await rotating.close();
      }
    });

    it('an unknown kid fetches the keys again at most once per cooldown', async () => {
      const guarded = await TestIssuer.start();
      try {
        const v = new TokenVerifier(
          parseIssuerSettings({
            jwksCooldownSeconds: 30,
            issuers: [
              { kind: 'cis2', issuer: guarded.url, audience: AUD, jwksUri: guarded.jwksUri },
            ],
          }),
          jobRoleTableFromEnv({}),
        );
        await expect(v.verify(bearer(await guarded.sign(gp())))).resolves.toMatchObject({
          role: 'gp',
        });
        const fetches = guarded.jwksFetches;
        const { privateKey } = await generateKeyPair('RS256');
        for (let attempt = 0; attempt < 5; attempt += 1) {
          const token = await guarded.sign(gp(), { key: privateKey, kid: `made-up-${attempt}` });
          await expect(v.verify(bearer(token))).rejects.toMatchObject({ code: 'invalid-token' });
        }
        expect(guarded.jwksFetches).toBeLessThanOrEqual(fetches + 1);
      } finally {
        await guarded.close();
      }
    });

    it('a discovery document naming another issuer, or an issuer that does not answer: 503, never accepted', async () => {
      const lying = await TestIssuer.start();
      lying.discoveryIssuer = 'https://someone-else.example';
      const v = new TokenVerifier(
        parseIssuerSettings({
          issuers: [
            { kind: 'cis2', issuer: lying.url, audience: AUD, discovery: true },
            {
              kind: 'nhs-login',
              issuer: 'http://127.0.0.1:9',
              audience: AUD,
              jwksUri: 'http://127.0.0.1:9/jwks',
            },
          ],
        }),
        jobRoleTableFromEnv({}),
      );
      try {
        await expect(v.verify(bearer(await lying.sign(gp())))).rejects.toMatchObject({
          code: 'issuer-unavailable',
        });
        const down = await lying.sign(nhsLoginClaims('P9'), { issuer: 'http://127.0.0.1:9' });
        await expect(v.verify(bearer(down))).rejects.toMatchObject({ code: 'issuer-unavailable' });
      } finally {
        await lying.close();
      }
    });

    it('malformed headers and tokens', async () => {
      const v = verifier();
      await expect(v.verify(undefined)).rejects.toMatchObject({ code: 'missing-token' });
      await expect(v.verify('Basic abc')).rejects.toMatchObject({ code: 'invalid-token' });
      await expect(v.verify('Bearer not.a.jwt')).rejects.toMatchObject({ code: 'invalid-token' });
    });
  });
});

describe('local mode: the three shapes, verified by the same path', () => {
  const roles: Array<[Role, string]> = [
    ['gp', 'A81001'],
    ['gp', 'RY448'],
    ['practice-nurse', 'A81001'],
    ['community-nurse', 'RY448'],
    ['social-worker', 'LA0001'],
    ['care-worker', 'LA0001'],
    ['midwife', 'R1H'],
    ['health-visitor', 'RYX'],
    ['urgent-care', 'NHS111'],
    ['pharmacist', 'FA123'],
    ['privacy-officer', 'A81001'],
  ];

  it.each(roles)(
    'mintLocalToken(%s at %s) is CIS2-shaped and maps back to the same role and organisation',
    async (role, organisation) => {
      const verifier = new TokenVerifier(await localIssuerSettings(), jobRoleTableFromEnv({}));
      const token = await mintLocalToken({ role, organisation, userId: 'u1' });
      const payload = JSON.parse(
        Buffer.from(token.split('.')[1] ?? '', 'base64url').toString(),
      ) as Record<string, unknown>;
      expect(payload['nhsid_nrbac_roles']).toEqual(
        expect.arrayContaining([expect.objectContaining({ org_code: organisation })]),
      );
      expect(payload).not.toHaveProperty('carelog_role');
      await expect(verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({
        userId: 'u1',
        role,
        organisation,
      });
    },
  );

  it('patients and carers are NHS login-shaped at P9; a P5 token says P5', async () => {
    const verifier = new TokenVerifier(await localIssuerSettings(), jobRoleTableFromEnv({}));
    const patient = await mintLocalToken({
      role: 'patient',
      organisation: 'NHSLOGIN',
      nhsNumber: '9434765919',
      userId: 'p1',
    });
    await expect(verifier.verify(`Bearer ${patient}`)).resolves.toMatchObject({
      role: 'patient',
      userId: 'p1',
      nhsNumber: '9434765919',
      identityProofingLevel: 'P9',
    });
    const carer = await mintLocalToken({ role: 'carer', organisation: 'carers', userId: 'c1' });
    await expect(verifier.verify(`Bearer ${carer}`)).resolves.toMatchObject({
      role: 'carer',
      userId: 'c1',
      organisation: 'NHSLOGIN',
    });
    const p5 = await mintLocalNhsLoginToken({ nhsNumber: '9434765919', proofingLevel: 'P5' });
    await expect(verifier.verify(`Bearer ${p5}`)).resolves.toMatchObject({
      identityProofingLevel: 'P5',
    });
  });

  it('source systems are shaped as the token endpoint issues them', async () => {
    const verifier = new TokenVerifier(await localIssuerSettings(), jobRoleTableFromEnv({}));
    const token = await mintLocalSystemToken({
      organisation: 'A81001',
      entryTypes: ['RegistrationStarted'],
      clientId: 'emis',
      systemName: 'EMIS Web',
    });
    await expect(verifier.verifyAny(`Bearer ${token}`)).resolves.toEqual({
      kind: 'source-system',
      clientId: 'emis',
      organisation: 'A81001',
      entryTypes: ['RegistrationStarted'],
      system: 'EMIS Web',
    });
  });

  it('refuses to start without issuers unless local mode is asked for', async () => {
    const { verifierSettingsFromEnv } = await import('./issuers');
    await expect(verifierSettingsFromEnv({})).rejects.toThrow(/CARELOG_ISSUERS_FILE/);
  });
});
