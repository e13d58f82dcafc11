import { Body, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
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

/** Where each kind of person starts. */
export function homeOf(person: SignedInPerson): string {
  if (person.role === 'privacy-officer') return '/privacy/alerts';
  if (person.role === 'patient' || person.role === 'carer') return '/journal';
  return '/patients';
}

type SignInForm = Record<string, string | undefined>;

/**
 * Signing in. Local mode: a picker of the demo data's people (or any role, organisation and
 * patient), minting the same local tokens `npm run token` prints, kept in the encrypted
 * HttpOnly session cookie. With real issuers, CIS2 and NHS login's OpenID Connect code flow
 * is not built yet (README says so), and this page says how to sign in instead.
 */
@ApiExcludeController()
@Controller()
export class SignInController {
  constructor(
    @Inject(WEB_SETTINGS) private readonly settings: WebSettings,
    @Inject(WebSession) private readonly session: WebSession,
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
    if (!this.settings.localSignIn)
      return layout({
        title: 'Sign in',
        body: html`<h1>Sign in</h1>
          <p>
            Sign in with NHS CIS2 (staff) or NHS login (patients and carers) is not available from
            this web app yet. This deployment does not run in local mode, so demo sign-in is
            switched off.
          </p>`,
      });
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

  @Post('sign-out')
  signOut(@Res() response: Response): void {
    this.session.clear(response);
    this.session.redirect(response, '/sign-in');
  }
}
