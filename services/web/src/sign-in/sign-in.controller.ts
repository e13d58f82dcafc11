import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { mintLocalToken } from '@carelog/auth';
import { isRole, isValidNhsNumber, ROLES, type Role } from '@carelog/domain';
import { html } from '../html/html';
import { choices, button, postForm, select, textInput } from '../html/forms';
import { layout, ROLE_NAMES } from '../html/layout';
import { WebSession } from '../session/web-session';
import type { SignedInPerson } from '../session/session';
import { WEB_SETTINGS, type WebSettings } from '../web-settings';
import { DEMO_IDENTITIES } from './demo-identities';
import {
  OIDC_SIGN_IN,
  OidcSignIn,
  PENDING_COOKIE,
  PENDING_SECONDS,
  SignInError,
} from './oidc-sign-in';
import type { SignInFailure } from './oidc-sign-in';
import { cookieValue } from '../session/session';

/** Where each kind of person starts. */
export function homeOf(person: SignedInPerson): string {
  if (person.role === 'privacy-officer') return '/privacy/alerts';
  if (person.role === 'patient' || person.role === 'carer') return '/journal';
  return '/patients';
}

type SignInForm = Record<string, string | undefined>;

/** What went wrong signing in, in plain words (never the issuer's message or the token). */
export const SIGN_IN_FAILURES: Record<SignInFailure, string> = {
  cancelled: 'You did not finish signing in. Try again when you are ready.',
  'no-sign-in-in-progress':
    'That sign-in link has expired or was already used. Start again from this page.',
  'not-accepted': 'Signing in did not work. Start again from this page.',
  'issuer-unavailable':
    'The sign-in service cannot be reached right now. Try again in a few minutes.',
  'not-permitted':
    'You signed in, but your role or account cannot use carelog. Ask your organisation’s registration authority or the service desk.',
};

/**
 * Signing in. Local mode: a picker of the demo data's people (or any role, organisation and
 * patient), minting the same local tokens `npm run token` prints, kept in the encrypted
 * HttpOnly session cookie. With real issuers: one button per CIS2 or NHS login client, each
 * the OpenID Connect code flow with PKCE (`OidcSignIn`), the access token kept only in the
 * session cookie.
 */
@ApiExcludeController()
@Controller()
export class SignInController {
  constructor(
    @Inject(WEB_SETTINGS) private readonly settings: WebSettings,
    @Inject(WebSession) private readonly session: WebSession,
    @Inject(OIDC_SIGN_IN) private readonly oidc: OidcSignIn | null,
  ) {}

  @Get()
  async home(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.session.of(request);
    this.session.redirect(response, session ? homeOf(session.person) : '/sign-in');
  }

  @Get('sign-in')
  signInPage(@Res() response: Response): void {
    this.session.send(response, this.page());
  }

  private page(errors: string[] = [], form: SignInForm = {}) {
    if (!this.settings.localSignIn) {
      const issuers = this.oidc?.settings.issuers ?? [];
      return layout({
        title: 'Sign in',
        errors,
        body: issuers.length
          ? html`<h1>Sign in to carelog</h1>
              <p>Staff sign in with NHS CIS2. Patients and carers sign in with NHS login.</p>
              ${issuers.map(
                (issuer) =>
                  html`<p>
                    <a
                      class="nhsuk-button"
                      role="button"
                      draggable="false"
                      href="/sign-in/with/${issuer.id}"
                      >${issuer.label}</a
                    >
                  </p>`,
              )}`
          : html`<h1>Sign in</h1>
              <p>
                Sign-in is not set up for this web app: it needs CARELOG_WEB_BASE_URL and an NHS
                CIS2 or NHS login issuer. This deployment does not run in local mode, so demo
                sign-in is switched off.
              </p>`,
      });
    }
    const roles = ROLES.map((role) => ({ value: role, text: ROLE_NAMES[role] ?? role }));
    return layout({
      title: 'Sign in',
      errors,
      body: html`<h1>Sign in to carelog</h1>
        <div class="nhsuk-inset-text">
          <p>
            Local mode: choose a person from the demo data. Real deployments sign in with NHS CIS2
            or NHS login instead.
          </p>
        </div>
        ${postForm(
          '/sign-in',
          html`${choices({
              kind: 'radios',
              name: 'identity',
              legend: 'Who are you?',
              items: [
                ...DEMO_IDENTITIES.map((identity) => ({
                  value: identity.id,
                  text: identity.label,
                  checked: form['identity'] === identity.id,
                })),
                {
                  value: 'custom',
                  text: 'Someone else (give their role, organisation and user id below)',
                  checked: form['identity'] === 'custom',
                },
              ],
            })}
            <h2 class="nhsuk-heading-s">Someone else</h2>
            ${select({ name: 'role', label: 'Role', choices: roles, value: form['role'] ?? 'gp' })}
            ${textInput({ name: 'organisation', label: 'Organisation (ODS code)', hint: 'Patients and carers: leave empty (NHS login)', width: 10, value: form['organisation'] ?? '' })}
            ${textInput({ name: 'userId', label: 'User id', width: 20, value: form['userId'] ?? '' })}
            ${textInput({ name: 'nhsNumber', label: 'NHS number', hint: 'A patient: their own. A carer: the person they care for.', width: 10, inputmode: 'numeric', value: form['nhsNumber'] ?? '' })}
            ${button('Sign in')}`,
          'Sign in',
        )}`,
    });
  }

  @Post('sign-in')
  async signIn(@Body() form: SignInForm, @Res() response: Response): Promise<void> {
    if (!this.settings.localSignIn) return this.session.send(response, this.page(), 404);
    const preset = DEMO_IDENTITIES.find((identity) => identity.id === form['identity']);
    const custom = form['identity'] === 'custom';
    if (!preset && !custom)
      return this.session.send(response, this.page(['Choose who you are.'], form), 400);
    const role = (preset?.role ?? form['role'] ?? '') as Role;
    const nhsNumber = (preset?.nhsNumber ?? form['nhsNumber'] ?? '').replace(/\s/g, '');
    const person = role === 'patient' || role === 'carer';
    const organisation = person
      ? 'NHSLOGIN'
      : (preset?.organisation ?? form['organisation'] ?? '').trim().toUpperCase();
    const userId = (preset?.userId ?? form['userId'] ?? '').trim();
    const errors: string[] = [];
    if (!isRole(role)) errors.push('Choose a role.');
    if (!person && !/^[A-Z0-9]{3,10}$/.test(organisation))
      errors.push('Enter the organisation’s ODS code.');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(userId))
      errors.push('Enter a user id of letters, digits, dots, dashes or underscores.');
    if (person && !isValidNhsNumber(nhsNumber)) errors.push('Enter a valid 10-digit NHS number.');
    if (errors.length) return this.session.send(response, this.page(errors, form), 400);
    let token: string;
    try {
      token = await mintLocalToken({
        role,
        organisation,
        userId,
        ...(role === 'patient' ? { nhsNumber } : {}),
        system: 'carelog-web',
      });
    } catch {
      return this.session.send(
        response,
        this.page(['That role cannot be held at that organisation.'], form),
        400,
      );
    }
    const signedIn: SignedInPerson = {
      role,
      organisation,
      userId,
      ...(role === 'patient' ? { nhsNumber } : {}),
    };
    await this.session.save(response, {
      token,
      person: signedIn,
      ...(person ? { patient: nhsNumber } : {}),
    });
    this.session.redirect(response, homeOf(signedIn));
  }

  /** Off to the issuer, with state, nonce and the PKCE challenge; they are kept in this browser. */
  @Get('sign-in/with/:issuer')
  async signInWith(@Param('issuer') id: string, @Res() response: Response): Promise<void> {
    const issuer = this.oidc?.issuer(id);
    if (!this.oidc || !issuer) return this.session.send(response, this.page(), 404);
    try {
      const { url, pending } = await this.oidc.start(issuer);
      response.setHeader('Set-Cookie', this.pendingCookie(pending, PENDING_SECONDS));
      this.session.redirect(response, url);
    } catch (error) {
      this.failed(response, error);
    }
  }

  /** The issuer sends the person back here with a code (or an error). */
  @Get('sign-in/callback')
  async callback(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    if (!this.oidc) return this.session.send(response, this.page(), 404);
    const params = Object.fromEntries(
      Object.entries(query).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    try {
      const { token, caller } = await this.oidc.finish(
        cookieValue(request.headers.cookie, PENDING_COOKIE),
        params,
      );
      const patient = caller.role === 'patient' ? caller.nhsNumber : undefined;
      const person: SignedInPerson = {
        role: caller.role,
        organisation: caller.organisation,
        userId: caller.userId,
        ...(patient ? { nhsNumber: patient } : {}),
      };
      await this.session.save(response, { token, person, ...(patient ? { patient } : {}) });
      response.append('Set-Cookie', this.pendingCookie('', 0));
      // The session cookie is SameSite=Strict, so the browser holds it back on a redirect that
      // began at the issuer: this page, from our own site, moves on to the person's home.
      // A carer says whose record they want on the next page (NHS login does not say).
      const home = person.role === 'carer' ? '/patients' : homeOf(person);
      response.setHeader('Refresh', `0; url=${home}`);
      this.session.send(
        response,
        layout({
          title: 'Signed in',
          person,
          body: html`<h1>You are signed in</h1>
            <p><a href="${home}">Continue</a></p>`,
        }),
      );
    } catch (error) {
      response.setHeader('Set-Cookie', this.pendingCookie('', 0));
      this.failed(response, error);
    }
  }

  /** The pending sign-in's cookie: Lax, as it must come back on the issuer's redirect. */
  private pendingCookie(value: string, seconds: number): string {
    return [
      `${PENDING_COOKIE}=${value}`,
      'Path=/sign-in',
      'HttpOnly',
      'SameSite=Lax',
      `Max-Age=${seconds}`,
      ...(this.settings.secureCookie ? ['Secure'] : []),
    ].join('; ');
  }

  private failed(response: Response, error: unknown): void {
    const reason: SignInFailure = error instanceof SignInError ? error.reason : 'not-accepted';
    const status = reason === 'issuer-unavailable' ? 503 : reason === 'not-permitted' ? 403 : 400;
    this.session.send(response, this.page([SIGN_IN_FAILURES[reason]]), status);
  }

  @Post('sign-out')
  signOut(@Res() response: Response): void {
    this.session.clear(response);
    this.session.redirect(response, '/sign-in');
  }
}
