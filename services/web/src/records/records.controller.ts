import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { isValidNhsNumber } from '@carelog/domain';
import { html, type SafeHtml } from '../html/html';
import { button, postForm, select, textInput } from '../html/forms';
import { layout, ROLE_NAMES } from '../html/layout';
import { journalBody } from '../html/journal-page';
import {
  entryItem,
  typeInWords,
  when,
  type EntryView,
  type JournalView,
} from '../html/record-view';
import { problemPage } from '../html/pages';
import { PLATFORM_CLIENT, type PlatformClient } from '../platform/platform-client';
import { WebSession } from '../session/web-session';
import type { Session } from '../session/session';
import { isStaffPerson, mayFindPatient } from './people';

const DONE: Record<string, string> = {
  contributed:
    'Your entry was recorded. It appears in the journal as soon as carelog has filed it.',
  sealed: 'The entry is sealed. Whoever you sealed it from can no longer see it.',
  claimed: 'Your claim is recorded. You can now read this record for a limited time.',
  marked: 'Marked as read. “Show only what is new” starts from now.',
  'break-glass': 'Emergency access granted for a limited time. This is recorded and reviewed.',
};

/** Finding a patient, their journal, and one entry with its history. */
@ApiExcludeController()
@Controller()
export class RecordsController {
  constructor(
    @Inject(WebSession) private readonly session: WebSession,
    @Inject(PLATFORM_CLIENT) private readonly platform: PlatformClient,
  ) {}

  private findPage(session: Session, error?: string, value = ''): SafeHtml {
    return layout({
      title: 'Find a patient',
      person: session.person,
      errors: error ? [error] : [],
      body: html`<h1>Find a patient</h1>
        ${postForm(
          '/patients',
          html`${textInput({ name: 'nhsNumber', label: 'NHS number', hint: session.person.role === 'carer' ? 'The NHS number of the person you care for, for example 943 476 5919' : 'For example, 943 476 5919', width: 10, inputmode: 'numeric', value, error })}${button('Open record')}`,
          'Find a patient',
        )}`,
    });
  }

  @Get('patients')
  async find(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.session.signedInAs(request, response, mayFindPatient);
    if (!session) return;
    this.session.send(response, this.findPage(session));
  }

  /** The NHS number goes in a form body and into the session, never into a URL. */
  @Post('patients')
  async open(
    @Req() request: Request,
    @Res() response: Response,
    @Body() form: Record<string, string | undefined>,
  ): Promise<void> {
    const session = await this.session.signedInAs(request, response, mayFindPatient);
    if (!session) return;
    const nhsNumber = (form['nhsNumber'] ?? '').replace(/\s/g, '');
    if (!isValidNhsNumber(nhsNumber))
      return this.session.send(
        response,
        this.findPage(session, 'Enter a valid 10-digit NHS number.', form['nhsNumber'] ?? ''),
        400,
      );
    await this.session.save(response, { ...session, patient: nhsNumber });
    this.session.redirect(response, '/journal');
  }

  @Get('journal')
  async journal(
    @Req() request: Request,
    @Res() response: Response,
    @Query('expand') expand: string | undefined,
    @Query('done') done: string | undefined,
    @Query('new') onlyNew: string | undefined,
  ): Promise<void> {
    const session = await this.session.signedIn(request, response);
    if (!session) return;
    if (!session.patient) return this.session.redirect(response, '/patients');
    const query = new URLSearchParams();
    if (expand && /^[\w:./-]{1,200}$/.test(expand)) query.set('expand', expand);
    // "What is new since I last looked": the reader's own mark on this record (README).
    if (onlyNew === '1') query.set('since', 'mark');
    const answer = await this.platform.call<JournalView>(
      'record-api',
      `/v1/patients/${session.patient}/journal${query.size ? `?${query.toString()}` : ''}`,
      session.token,
    );
    if (!answer.ok) return this.session.sendProblem(response, session, answer.problem);
    const journal = answer.body;
    const own = session.person.role === 'patient';
    this.session.send(
      response,
      layout({
        title: own ? 'My record' : 'Journal',
        person: session.person,
        success: done ? DONE[done] : undefined,
        body: html`<h1>
            ${own ? 'My record' : session.person.role === 'carer' ? 'The record you care for' : 'Journal'}
          </h1>
          <p class="nhsuk-lede-text">
            ${own ? 'Everything in your record, newest first.' : `The ${ROLE_NAMES[journal.view] ?? journal.view} view: what matters for you first, routine care summarised.`}
          </p>
          ${
            isStaffPerson(session.person)
              ? html`<ul class="nhsuk-list carelog-actions">
                  <li><a href="/contribute">Add to this record</a></li>
                  <li><a href="/tasks">My tasks</a></li>
                </ul>`
              : null
          }
          ${
            onlyNew === '1'
              ? html`<p>
                  ${journal.since ? `Only what is new since you last looked, ${when(journal.since)}.` : 'You have not marked this record as read yet, so everything is shown.'}
                  <a href="/journal">Show everything</a>
                </p>`
              : html`<p><a href="/journal?new=1">Show only what is new since I last looked</a></p>`
          }
          ${postForm('/journal/mark', button('I have read this record', { secondary: true }), 'Mark as read')}
          ${journalBody(journal)}`,
      }),
    );
  }

  /** Moves the reader's mark to now: the next "new since I last looked" starts here. */
  @Post('journal/mark')
  async mark(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.session.signedIn(request, response);
    if (!session?.patient) return session ? this.session.redirect(response, '/') : undefined;
    const answer = await this.platform.call(
      'record-api',
      `/v1/patients/${session.patient}/journal/mark`,
      session.token,
      { method: 'PUT', body: {}, idempotencyKey: null },
    );
    if (!answer.ok) return this.session.sendProblem(response, session, answer.problem);
    this.session.redirect(response, '/journal?done=marked');
  }

  @Get('entries/:eventId')
  async entry(
    @Req() request: Request,
    @Res() response: Response,
    @Param('eventId') eventId: string,
  ): Promise<void> {
    const session = await this.session.signedIn(request, response);
    if (!session) return;
    if (!session.patient) return this.session.redirect(response, '/');
    if (!/^[0-9a-f-]{36}$/i.test(eventId))
      return this.session.sendProblem(response, session, { status: 404, code: 'entry-not-found' });
    const answer = await this.platform.call<{ entry: EntryView; versions: EntryView[] }>(
      'record-api',
      `/v1/patients/${session.patient}/entries/${eventId}/history`,
      session.token,
    );
    if (!answer.ok) return this.session.sendProblem(response, session, answer.problem);
    const { entry, versions } = answer.body;
    const patient = session.person.role === 'patient';
    this.session.send(
      response,
      layout({
        title: typeInWords(entry.type),
        person: session.person,
        backLink: { href: '/journal', text: 'Back to the journal' },
        body: html`<h1>${typeInWords(entry.type)}</h1>
          <dl class="nhsuk-summary-list">
            ${[
              ['When', when(entry.occurredAt)],
              ['Recorded', when(entry.recordedAt)],
              [
                'By',
                `${ROLE_NAMES[entry.author.role] ?? entry.author.role} (${entry.author.userId}) at ${entry.author.organisation}`,
              ],
              ['Status', entry.status],
              ['Versions', String(entry.versions)],
            ].map(
              ([key, value]) =>
                html`<div class="nhsuk-summary-list__row">
                  <dt class="nhsuk-summary-list__key">${key}</dt>
                  <dd class="nhsuk-summary-list__value">${value}</dd>
                </div>`,
            )}
          </dl>
          <ul class="nhsuk-list">
            ${entryItem(entry, { link: false })}
          </ul>
          <h2>History</h2>
          <ol class="nhsuk-list carelog-timeline">
            ${versions.map((version) => entryItem(version, { link: false }))}
          </ol>
          ${patient ? this.sealForm(entry) : null}`,
      }),
    );
  }

  private sealForm(entry: EntryView): SafeHtml {
    return html`<h2>Seal this entry</h2>
      <p>
        Sealing hides this entry from the people you choose. Your GP practice and you can still see
        it if you do not seal it from them.
      </p>
      ${postForm(
        `/entries/${entry.eventId}/seal`,
        html`${select({
          name: 'sealedFrom',
          label: 'Hide it from',
          choices: [
            {
              value: `organisation:${entry.author.organisation}`,
              text: `Everyone at ${entry.author.organisation} (who wrote it)`,
            },
            { value: 'role:care-worker', text: 'Care workers' },
            { value: 'role:pharmacist', text: 'Pharmacists' },
            { value: 'role:urgent-care', text: 'Urgent care clinicians' },
          ],
        })}${button('Seal this entry', { secondary: true })}`,
        'Seal this entry',
      )}`;
  }

  @Post('entries/:eventId/seal')
  async seal(
    @Req() request: Request,
    @Res() response: Response,
    @Param('eventId') eventId: string,
    @Body() form: Record<string, string | undefined>,
  ): Promise<void> {
    const session = await this.session.signedIn(request, response);
    if (!session?.patient) return;
    const [kind, value] = (form['sealedFrom'] ?? '').split(':');
    if (!kind || !value || !['organisation', 'role', 'person'].includes(kind))
      return this.session.send(
        response,
        problemPage(session, { status: 400, code: 'invalid-event' }),
        400,
      );
    const answer = await this.platform.call(
      'record-api',
      `/v1/patients/${session.patient}/consents/seals/${encodeURIComponent(eventId)}`,
      session.token,
      { method: 'PUT', body: { sealed: true, sealedFrom: { kind, value } } },
    );
    if (!answer.ok) return this.session.sendProblem(response, session, answer.problem);
    this.session.redirect(response, '/journal?done=sealed');
  }
}
