import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  repoRoot,
  serviceLog,
  startService,
  waitForReady,
  type RunningService,
} from '@carelog/local-infra';
import {
  accessibilityViolations,
  eventually,
  launchTestBrowser,
  nextTestNhsNumber,
  uniqueName,
  type TestBrowser,
} from '@carelog/testing';

const offset = Number(process.env['CARELOG_PORT_OFFSET'] ?? 0) || 0;
const CIS2_PORT = 6140 + offset;
const NHS_LOGIN_PORT = 6141 + offset;
/** `localhost`, not 127.0.0.1 as the web app is: the issuer is another site, as CIS2 is. */
const CIS2 = `http://localhost:${CIS2_PORT}`;
const NHS_LOGIN = `http://localhost:${NHS_LOGIN_PORT}`;
const STAFF_CLIENT = 'carelog-web-staff';
const PATIENT_CLIENT = 'carelog-web-patient';
const CARER_CLIENT = 'carelog-web-carer';
const PRACTICE = 'A81001';

/**
 * Signing in to the web app with real OpenID providers: two processes of panva's certified
 * `oidc-provider`, one configured as the CIS2 issuer and one as NHS login, each with the web
 * app registered as a client (private_key_jwt, PKCE required). Real Chromium signs in at the
 * provider's own login and consent pages; the record API, configured with the same issuers,
 * accepts the access token the web app keeps in its session.
 */
describe('web app sign-in with OpenID Connect issuers (CIS2, NHS login)', () => {
  const log = serviceLog('web-oidc.e2e');
  const services: RunningService[] = [];
  const providers: ChildProcess[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'carelog-oidc-'));
  const gpUser = uniqueName('cis2-gp');
  const clerkUser = uniqueName('cis2-clerk');
  const patientUser = uniqueName('nhs-login-patient');
  const patientNhs = nextTestNhsNumber();
  const carerUser = uniqueName('nhs-login-carer');
  let web: RunningService;
  let browser: TestBrowser;

  const issuers = {
    issuers: [
      { kind: 'cis2', issuer: CIS2, audience: STAFF_CLIENT, discovery: true },
      {
        kind: 'nhs-login',
        issuer: NHS_LOGIN,
        audience: PATIENT_CLIENT,
        carerAudience: CARER_CLIENT,
        discovery: true,
        // The test provider issues API access tokens for this scope (NHS login's vtr it ignores).
        signIn: { scope: 'openid profile carelog-api' },
      },
      // An issuer that is down: nothing listens on its port.
      {
        kind: 'cis2',
        issuer: `http://localhost:${6149 + offset}`,
        audience: STAFF_CLIENT,
        discovery: true,
      },
    ],
  };

  const startProvider = (config: Record<string, unknown>) => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'test/e2e/support/test-openid-provider.mjs')],
      {
        env: { ...process.env, NODE_ENV: 'test', TEST_OP: JSON.stringify(config) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const forward = (chunk: Buffer) => log(`[openid-provider] ${chunk.toString().trim()}`);
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    providers.push(child);
  };

  beforeAll(async () => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(directory, 'web-client-key.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        ...key.privateKey.export({ format: 'jwk' }),
        kid: 'web-1',
        alg: 'RS256',
        use: 'sig',
      }),
    );
    const jwks = {
      keys: [
        { ...key.publicKey.export({ format: 'jwk' }), kid: 'web-1', alg: 'RS256', use: 'sig' },
      ],
    };
    const env = {
      CARELOG_AUTH_MODE: 'jwks',
      CARELOG_ISSUERS: JSON.stringify(issuers),
      CARELOG_TOPIC_PREFIX: uniqueName('oidc'),
      CARELOG_READ_MODEL_SCHEMA: uniqueName('read_model_oidc'),
      CARELOG_PROJECTION_GROUP: uniqueName('projection-oidc'),
    };
    // The projection makes the read model's tables; the record API reads them.
    const projection = startService({ name: 'projection', port: 6110, env, onOutput: log });
    const api = startService({ name: 'record-api', port: 6100, env, onOutput: log });
    services.push(projection, api);
    const webPort = 6120 + offset;
    const redirectUri = `http://127.0.0.1:${webPort}/sign-in/callback`;
    startProvider({
      port: CIS2_PORT,
      issuer: CIS2,
      resourceScope: 'nationalrbacaccess selectedrole',
      clients: [{ clientId: STAFF_CLIENT, redirectUri, jwks }],
      accounts: {
        [gpUser]: {
          nhsid_nrbac_roles: [
            { person_roleid: '9551', org_code: PRACTICE, role_code: 'S0030:G0100:R0260' },
          ],
          selected_roleid: '9551',
        },
        // Clerical (R8010): a role carelog does not map.
        [clerkUser]: {
          nhsid_nrbac_roles: [
            { person_roleid: '9552', org_code: PRACTICE, role_code: 'S8000:G8000:R8010' },
          ],
          selected_roleid: '9552',
        },
      },
    });
    startProvider({
      port: NHS_LOGIN_PORT,
      issuer: NHS_LOGIN,
      resourceScope: 'carelog-api',
      clients: [
        { clientId: PATIENT_CLIENT, redirectUri, jwks },
        { clientId: CARER_CLIENT, redirectUri, jwks },
      ],
      accounts: {
        [patientUser]: {
          nhs_number: patientNhs,
          identity_proofing_level: 'P9',
          vot: 'P9.Cp.Cd',
        },
        [carerUser]: { nhs_number: nextTestNhsNumber(), identity_proofing_level: 'P9' },
      },
    });
    web = startService({
      name: 'web',
      port: 6120,
      env: {
        ...env,
        CARELOG_WEB_BASE_URL: `http://127.0.0.1:${webPort}`,
        CARELOG_WEB_OIDC_KEY_FILE: keyFile,
        CARELOG_WEB_SESSION_KEY: randomBytes(32).toString('base64url'),
        CARELOG_WEB_SECURE_COOKIE: 'off',
        CARELOG_WEB_RECORD_API_URL: api.baseUrl,
      },
      onOutput: log,
    });
    services.push(web);
    const [launched] = await Promise.all([
      launchTestBrowser(),
      ...services.map((service) => waitForReady(service)),
      ...[CIS2, NHS_LOGIN].map((issuer) =>
        eventually(async () => {
          const response = await fetch(`${issuer}/.well-known/openid-configuration`);
          expect(response.status).toBe(200);
        }),
      ),
    ]);
    browser = launched;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all(
      providers.map(async (child) => {
        if (child.exitCode !== null) return;
        child.kill('SIGTERM');
        await once(child, 'exit');
      }),
    );
    await Promise.all(services.map((service) => service.stop()));
    rmSync(directory, { recursive: true, force: true });
  });

  const noViolations = async (page: Page) =>
    expect(await accessibilityViolations(page)).toEqual([]);

  /** From the sign-in page to the provider's login page; the authorisation request it made. */
  const startSignIn = async (page: Page, button: string, issuer: string) => {
    await page.goto(`${web.baseUrl}/sign-in`);
    const [authorize] = await Promise.all([
      page.waitForRequest((request) => request.url().startsWith(`${issuer}/auth`)),
      page.click(`a:text-is("${button}")`),
    ]);
    await page.waitForSelector('input[name="login"]');
    return new URL(authorize.url());
  };

  /** The provider's own login and consent pages; back at the web app's callback. */
  const logInAtProvider = async (page: Page, login: string) => {
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'any password');
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Sign-in")')]);
    const [callback] = await Promise.all([
      page.waitForRequest((request) => request.url().startsWith(`${web.baseUrl}/sign-in/callback`)),
      page.click('button:has-text("Continue")'),
    ]);
    return callback.url();
  };

  it('offers one button per issuer, and a GP signs in with CIS2: PKCE, token only in an HttpOnly cookie, accepted by the record API', async () => {
    const page = await browser.newPage();
    await page.goto(`${web.baseUrl}/sign-in`);
    await noViolations(page);
    expect(await page.innerText('main')).toContain('Sign in with NHS CIS2');
    expect(await page.innerText('main')).toContain('Sign in with NHS login');

    const authorize = await startSignIn(page, 'Sign in with NHS CIS2', CIS2);
    const params = Object.fromEntries(authorize.searchParams);
    expect(params).toMatchObject({
      response_type: 'code',
      client_id: STAFF_CLIENT,
      redirect_uri: `${web.baseUrl}/sign-in/callback`,
      scope: 'openid profile nationalrbacaccess selectedrole',
      code_challenge_method: 'S256',
    });
    expect(params['code_challenge']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params['state']).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(params['nonce']).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    const callback = await logInAtProvider(page, gpUser);
    await page.waitForURL(`${web.baseUrl}/patients`);
    await noViolations(page);
    expect(await page.innerText('header')).toContain(PRACTICE);

    // The token is nowhere page JavaScript can read; the session cookie is HttpOnly and Strict.
    expect(await page.evaluate<string>('document.cookie')).toBe('');
    const cookies = await page.context().cookies(web.baseUrl);
    expect(cookies.map(({ name, httpOnly, sameSite }) => ({ name, httpOnly, sameSite }))).toEqual([
      { name: 'carelog_session', httpOnly: true, sameSite: 'Strict' },
    ]);
    expect(await page.content()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);

    // The record API accepts the CIS2 access token: a patient the GP cannot see is "No record
    // found" (a token it refused would be "sign in again").
    await page.fill('#nhsNumber', nextTestNhsNumber());
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Open record")')]);
    const text = await page.innerText('main');
    expect(text).toContain('No record found');
    expect(text).not.toContain('Sign in again');

    // The callback replayed (its code and state) signs nobody in and says so in words.
    const replayed = await browser.newPage();
    const response = await replayed.goto(callback);
    expect(response?.status()).toBe(400);
    expect(await replayed.innerText('main')).toContain('expired or was already used');
    const again = await page.goto(callback);
    expect(again?.status()).toBe(400);
  }, 120_000);

  it('a patient signs in with NHS login and reads their own record through the record API', async () => {
    const page = await browser.newPage();
    const authorize = await startSignIn(page, 'Sign in with NHS login', NHS_LOGIN);
    expect(authorize.searchParams.get('client_id')).toBe(PATIENT_CLIENT);
    expect(authorize.searchParams.get('vtr')).toBe('["P9.Cp.Cd","P9.Cp.Ck","P9.Cm"]');
    await logInAtProvider(page, patientUser);
    await page.waitForURL(`${web.baseUrl}/journal`);
    await noViolations(page);
    const text = await page.innerText('body');
    expect(text).not.toContain('Sign in again');
    expect(text).not.toContain('not allowed');
    expect(await page.innerText('header')).toContain(`NHS login (${patientUser})`);
    expect(await page.evaluate<string>('document.cookie')).toBe('');
  }, 120_000);

  it('a carer signs in through the carer client and is asked whose record; without approval, none', async () => {
    const page = await browser.newPage();
    const authorize = await startSignIn(page, 'Sign in with NHS login as a carer', NHS_LOGIN);
    expect(authorize.searchParams.get('client_id')).toBe(CARER_CLIENT);
    await logInAtProvider(page, carerUser);
    await page.waitForURL(`${web.baseUrl}/patients`);
    await noViolations(page);
    expect(await page.innerText('header')).toContain(`NHS login (${carerUser})`);
    // The patient has approved nobody: the record API answers as for no such patient.
    await page.fill('#nhsNumber', patientNhs);
    await Promise.all([page.waitForNavigation(), page.click('button:has-text("Open record")')]);
    expect(await page.innerText('main')).toContain('No record found');
  }, 120_000);

  it('refuses a forged state, a wrong nonce and a cancelled sign-in, in plain words', async () => {
    // A forged state: the browser has a sign-in in progress, but not this one.
    const forged = await browser.newPage();
    await startSignIn(forged, 'Sign in with NHS CIS2', CIS2);
    const refused = await forged.goto(`${web.baseUrl}/sign-in/callback?code=abc&state=forged`);
    expect(refused?.status()).toBe(400);
    expect(await forged.innerText('main')).toContain('expired or was already used');
    await noViolations(forged);

    // A wrong nonce: the provider signs an ID token for another nonce than this browser's.
    const page = await browser.newPage();
    const authorize = await startSignIn(page, 'Sign in with NHS CIS2', CIS2);
    authorize.searchParams.set('nonce', 'a-nonce-this-browser-never-made');
    await page.goto(authorize.href);
    await page.waitForSelector('input[name="login"]');
    await logInAtProvider(page, gpUser);
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname).toBe('/sign-in/callback');
    expect(await page.innerText('main')).toContain('Signing in did not work');
    expect(await page.context().cookies(web.baseUrl)).toEqual([]);

    // Signed in at CIS2, but in a role carelog does not map: refused, nobody signed in.
    const clerk = await browser.newPage();
    await startSignIn(clerk, 'Sign in with NHS CIS2', CIS2);
    await logInAtProvider(clerk, clerkUser);
    await clerk.waitForLoadState();
    expect(new URL(clerk.url()).pathname).toBe('/sign-in/callback');
    expect(await clerk.innerText('main')).toContain('your role or account cannot use carelog');
    expect(await clerk.context().cookies(web.baseUrl)).toEqual([]);

    // The issuer cannot be reached: said in words, 503, no redirect anywhere.
    const down = await browser.newPage();
    const unreachable = await down.goto(`${web.baseUrl}/sign-in/with/2`);
    expect(unreachable?.status()).toBe(503);
    expect(await down.innerText('main')).toContain('sign-in service cannot be reached');

    // Cancelled at the provider: access_denied.
    const cancelled = await browser.newPage();
    await startSignIn(cancelled, 'Sign in with NHS CIS2', CIS2);
    await Promise.all([cancelled.waitForNavigation(), cancelled.click('a:has-text("Cancel")')]);
    await cancelled.waitForURL((url) => url.pathname === '/sign-in/callback');
    expect(await cancelled.innerText('main')).toContain('You did not finish signing in');
  }, 120_000);
});
