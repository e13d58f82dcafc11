import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { isValidNhsNumber, VIEW_ROLES } from '@carelog/domain';
import { accessLogTable, type AccessLine } from '../html/access-log';
import { button, choices, postForm, select, textArea, textInput } from '../html/forms';
import { html, type SafeHtml } from '../html/html';
import { journalBody } from '../html/journal-page';
import { layout, ROLE_NAMES } from '../html/layout';
import { when, type JournalView } from '../html/record-view';
import { PLATFORM_CLIENT, type PlatformClient } from '../platform/platform-client';
import { inPlainWords } from '../platform/plain-words';
import { WebSession } from '../session/web-session';
import type { Session } from '../session/session';

type Form = Record<string, string | undefined>;

interface AlertView {
  accessId: string;
  kind: string;
  occurredAt: string;
  actor: { userId: string; role: string; organisation: string };
  nhsNumber: string;
  outcome: string;
  reason: string | null;
  expiresAt: string | null;
  acknowledgement: {
    at: string;
    by: { userId: string };
    outcome: string;
    note: string | null;
  } | null;
}

const KINDS: Record<string, string> = {
  'break-glass': 'Break glass',
  claim: 'Claimed relationship',
  'repeated-refusals': 'Repeated refused break glass',
};

const OUTCOMES = [
  { value: 'appropriate', text: 'Appropriate' },
  { value: 'inappropriate', text: 'Inappropriate' },
  { value: 'referred', text: 'Referred for investigation' },
];

/** The privacy officer's queue, a patient's access log, and reconstructing a reader's view. */
@ApiExcludeController()
@Controller('privacy')
export class PrivacyController {
  constructor(
    @Inject(WebSession) private readonly session: WebSession,
    @Inject(PLATFORM_CLIENT) private readonly platform: PlatformClient,
  ) {}

  private officer(request: Request, response: Response): Promise<Session | undefined> {
    return this.session.signedInAs(
      request,
      response,
      (person) => person.role === 'privacy-officer',
    );
  }

  @Get('alerts')
  async alerts(
    @Req() request: Request,
    @Res() response: Response,
    @Query('done') done: string | undefined,
    error?: string,
  ): Promise<void> {
    const session = await this.officer(request, response);
    if (!session) return;
    const answer = await this.platform.call<{ alerts: AlertView[] }>(
      'record-api',
      '/v1/privacy/alerts?status=all',
      session.token,
    );
    if (!answer.ok) return this.session.sendProblem(response, session, answer.problem);
    const open = answer.body.alerts.filter((alert) => !alert.acknowledgement);
    const reviewed = answer.body.alerts.filter((alert) => alert.acknowledgement);
    this.session.send(
      response,
      layout({
        title: 'Alerts to review',
        person: session.person,
        errors: error ? [error] : [],
        success: done === 'acknowledged' ? 'Alert reviewed. Your outcome is recorded.' : undefined,
        body: html`<h1>Alerts to review</h1>
          <p class="nhsuk-lede-text">
            Break glass, claimed relationships and repeated refusals by staff of the organisations
            you review.
          </p>
          ${open.length === 0 ? html`<p>Nothing waits for review.</p>` : null}
          ${open.map((alert) => this.alertCard(alert))}
          ${
            reviewed.length
              ? html`<h2>Reviewed</h2>
                  <ul class="nhsuk-list">
                    ${reviewed.map(
                      (alert) =>
                        html`<li>
                          ${KINDS[alert.kind] ?? alert.kind} by ${alert.actor.userId} at
                          ${alert.actor.organisation}, ${when(alert.occurredAt)}:
                          <strong class="nhsuk-tag nhsuk-tag--green"
                            >${alert.acknowledgement?.outcome ?? ''}</strong
                          >
                        </li>`,
                    )}
                  </ul>`
              : null
          }`,
      }),
    );
  }

  private alertCard(alert: AlertView): SafeHtml {
    return html`<div class="nhsuk-card">
      <div class="nhsuk-card__content">
        <h2 class="nhsuk-card__heading nhsuk-heading-m">
          ${KINDS[alert.kind] ?? alert.kind} by ${ROLE_NAMES[alert.actor.role] ?? alert.actor.role}
          ${alert.actor.userId} at ${alert.actor.organisation}
        </h2>
        <dl class="nhsuk-summary-list">
          ${[
            ['When', when(alert.occurredAt)],
            ['Patient’s NHS number', alert.nhsNumber],
            ['Reason given', alert.reason ?? 'none (refused)'],
            ['Access until', alert.expiresAt ? when(alert.expiresAt) : '–'],
          ].map(
            ([key, value]) =>
              html`<div class="nhsuk-summary-list__row">
                <dt class="nhsuk-summary-list__key">${key}</dt>
                <dd class="nhsuk-summary-list__value">${value}</dd>
              </div>`,
          )}
        </dl>
        ${postForm(
          `/privacy/alerts/${alert.accessId}/acknowledge`,
          html`${choices({ kind: 'radios', name: `outcome-${alert.accessId}`, legend: 'Outcome of your review', small: true, items: OUTCOMES })}
          ${textArea({ name: `note-${alert.accessId}`, label: 'Note (optional)', rows: 2 })}
          ${button('Acknowledge alert')}`,
          'Acknowledge the alert',
        )}
      </div>
    </div>`;
  }

  @Post('alerts/:accessId/acknowledge')
  async acknowledge(
    @Req() request: Request,
    @Res() response: Response,
    @Param('accessId') accessId: string,
    @Body() form: Form,
  ): Promise<void> {
    const session = await this.officer(request, response);
    if (!session) return;
    const outcome = form[`outcome-${accessId}`];
    if (!outcome)
      return this.alerts(request, response, undefined, 'Choose the outcome of your review.');
    const note = (form[`note-${accessId}`] ?? '').trim();
    const answer = await this.platform.call(
      'record-api',
      `/v1/privacy/alerts/${encodeURIComponent(accessId)}/acknowledge`,
      session.token,
      {
        method: 'POST',
        body: { outcome, ...(note ? { note } : {}) },
      },
    );
    if (!answer.ok) return this.alerts(request, response, undefined, inPlainWords(answer.problem));
    this.session.redirect(response, '/privacy/alerts?done=acknowledged');
  }

  private lookUp(
    session: Session,
    action: string,
    title: string,
    extra: SafeHtml | null,
    errors: string[] = [],
    result: SafeHtml | null = null,
  ): SafeHtml {
    return layout({
      title,
      person: session.person,
      errors,
      body: html`<h1>${title}</h1>
        ${postForm(action, html`${textInput({ name: 'nhsNumber', label: 'Patient’s NHS number', width: 10, inputmode: 'numeric' })}${extra}${button(title)}`, title)}
        ${result}`,
    });
  }

  @Get('access-log')
  async accessLogForm(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.officer(request, response);
    if (session)
      this.session.send(response, this.lookUp(session, '/privacy/access-log', 'Access log', null));
  }

  /** The NHS number comes in the form body, never a URL; the answer is the page itself. */
  @Post('access-log')
  async accessLog(
    @Req() request: Request,
    @Res() response: Response,
    @Body() form: Form,
  ): Promise<void> {
    const session = await this.officer(request, response);
    if (!session) return;
    const nhsNumber = (form['nhsNumber'] ?? '').replace(/\s/g, '');
    if (!isValidNhsNumber(nhsNumber))
      return this.session.send(
        response,
        this.lookUp(session, '/privacy/access-log', 'Access log', null, [
          'Enter a valid 10-digit NHS number.',
        ]),
        400,
      );
    const answer = await this.platform.call<{ accesses: AccessLine[] }>(
      'record-api',
      `/v1/patients/${nhsNumber}/access-log?limit=200`,
      session.token,
    );
    if (!answer.ok)
      return this.session.send(
        response,
        this.lookUp(session, '/privacy/access-log', 'Access log', null, [
          inPlainWords(answer.problem),
        ]),
        answer.problem.status,
      );
    this.session.send(
      response,
      this.lookUp(
        session,
        '/privacy/access-log',
        'Access log',
        null,
        [],
        html`<h2>Accesses by staff you review</h2>
          ${accessLogTable(answer.body.accesses, 'Accesses, newest first')}`,
      ),
    );
  }

  private reconstructFields(): SafeHtml {
    return html`${textInput({ name: 'readerUserId', label: 'Reader’s user id', width: 20 })}
    ${select({ name: 'readerRole', label: 'Reader’s role', choices: VIEW_ROLES.map((role) => ({ value: role, text: ROLE_NAMES[role] ?? role })) })}
    ${textInput({ name: 'readerOrganisation', label: 'Reader’s organisation (ODS code)', width: 10 })}
    ${textInput({ name: 'asAt', label: 'As at', hint: 'Date and time, for example 2026-11-20T10:00:00Z', width: 20 })}
    ${textArea({ name: 'reason', label: 'Why you are reconstructing this view', hint: 'At least 10 characters; it is recorded', rows: 2 })}`;
  }

  @Get('reconstruct')
  async reconstructForm(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.officer(request, response);
    if (session)
      this.session.send(
        response,
        this.lookUp(
          session,
          '/privacy/reconstruct',
          'Reconstruct a view',
          this.reconstructFields(),
        ),
      );
  }

  @Post('reconstruct')
  async reconstruct(
    @Req() request: Request,
    @Res() response: Response,
    @Body() form: Form,
  ): Promise<void> {
    const session = await this.officer(request, response);
    if (!session) return;
    const page = (errors: string[], result: SafeHtml | null = null) =>
      this.lookUp(
        session,
        '/privacy/reconstruct',
        'Reconstruct a view',
        this.reconstructFields(),
        errors,
        result,
      );
    const answer = await this.platform.call<{
      access: { allowed: boolean; basis?: string };
      shown: JournalView | null;
    }>('record-api', '/v1/privacy/reconstructions', session.token, {
      method: 'POST',
      body: {
        nhsNumber: (form['nhsNumber'] ?? '').replace(/\s/g, ''),
        reader: {
          userId: form['readerUserId'] ?? '',
          role: form['readerRole'] ?? '',
          organisation: (form['readerOrganisation'] ?? '').trim().toUpperCase(),
        },
        asAt: form['asAt'] ?? '',
        reason: form['reason'] ?? '',
        view: 'journal',
      },
    });
    if (!answer.ok)
      return this.session.send(
        response,
        page([inPlainWords(answer.problem)]),
        answer.problem.status,
      );
    const { access, shown } = answer.body;
    this.session.send(
      response,
      page(
        [],
        html`<h2>What the reader was shown</h2>
          ${access.allowed && shown ? journalBody(shown) : html`<p>The reader could not see this record at that time: they were shown “No record found”.</p>`}`,
      ),
    );
  }
}
