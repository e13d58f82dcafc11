import { Body, Controller, Get, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { EntryTypeName } from '@carelog/domain';
import type { Request, Response } from 'express';
import { html, type SafeHtml } from '../html/html';
import {
  button,
  choices,
  formText as text,
  postForm,
  textArea,
  textInput,
  type FormBody as Form,
} from '../html/forms';
import { layout } from '../html/layout';
import { PLATFORM_CLIENT, type PlatformClient } from '../platform/platform-client';
import { inPlainWords } from '../platform/plain-words';
import { noRecordPage } from '../html/pages';
import { isStaffPerson } from '../records/people';
import { WebSession } from '../session/web-session';
import type { Session } from '../session/session';

/** What each role adds to a record from the web app, and through which producer. */
const CONTRIBUTIONS = {
  'care-worker': {
    upstream: 'social-care',
    type: 'CareVisitRecorded',
    heading: 'Record a care visit',
  },
  'social-worker': {
    upstream: 'social-care',
    type: 'CareVisitRecorded',
    heading: 'Record a care visit',
  },
  gp: { upstream: 'gp-records', type: 'ConsultationRecorded', heading: 'Record a consultation' },
  'practice-nurse': {
    upstream: 'gp-records',
    type: 'ConsultationRecorded',
    heading: 'Record a consultation',
  },
} as const satisfies Record<string, { upstream: string; type: EntryTypeName; heading: string }>;
type ContributingRole = keyof typeof CONTRIBUTIONS;
const contributionOf = (session: Session) =>
  (CONTRIBUTIONS as Record<string, (typeof CONTRIBUTIONS)[ContributingRole] | undefined>)[
    session.person.role
  ];

const VISIT_TASKS = ['personal care', 'breakfast', 'lunch', 'tea', 'medication prompt', 'shopping'];

/**
 * Care staff at work on a record: contribute (a care visit, a consultation, through the
 * producers as the API allows), and claim a relationship or break glass with a stated reason
 * and the consequences said before anything is done.
 */
@ApiExcludeController()
@Controller()
export class CareController {
  constructor(
    @Inject(WebSession) private readonly session: WebSession,
    @Inject(PLATFORM_CLIENT) private readonly platform: PlatformClient,
  ) {}

  private async staffWithPatient(
    request: Request,
    response: Response,
  ): Promise<Session | undefined> {
    const session = await this.session.signedInAs(request, response, isStaffPerson);
    if (!session) return undefined;
    if (!session.patient) {
      this.session.redirect(response, '/patients');
      return undefined;
    }
    return session;
  }

  private contributePage(session: Session, errors: string[] = []): SafeHtml {
    const contribution = contributionOf(session);
    if (!contribution)
      return layout({
        title: 'Add to this record',
        person: session.person,
        body: html`<h1>Add to this record</h1>
          <p>Your role adds to records from your own system, not from this web app.</p>`,
      });
    const form =
      contribution.type === 'CareVisitRecorded'
        ? html`${textInput({ name: 'visitStart', label: 'Visit started (HH:MM today)', width: 5, value: '' })}
          ${textInput({ name: 'visitEnd', label: 'Visit ended (HH:MM today)', width: 5, value: '' })}
          ${choices({ kind: 'checkboxes', name: 'tasksCompleted', legend: 'What you did', small: true, items: VISIT_TASKS.map((task) => ({ value: task, text: task })) })}
          ${textArea({ name: 'note', label: 'How the person was', rows: 4 })}
          ${choices({
            kind: 'radios',
            name: 'concernsRaised',
            legend: 'Did you have any concerns?',
            small: true,
            items: [
              { value: 'no', text: 'No', checked: true },
              { value: 'yes', text: 'Yes' },
            ],
          })}`
        : html`${textArea({ name: 'narrative', label: 'Consultation notes', rows: 6 })}
          ${choices({
            kind: 'radios',
            name: 'consultationMedium',
            legend: 'How',
            small: true,
            items: [
              { value: 'face-to-face', text: 'Face to face', checked: true },
              { value: 'telephone', text: 'Telephone' },
              { value: 'video', text: 'Video' },
            ],
          })}`;
    return layout({
      title: contribution.heading,
      person: session.person,
      errors,
      backLink: { href: '/journal', text: 'Back to the journal' },
      body: html`<h1>${contribution.heading}</h1>
        ${postForm('/contribute', html`${form}${button('Save')}`, contribution.heading)}`,
    });
  }

  @Get('contribute')
  async contributeForm(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.staffWithPatient(request, response);
    if (session) this.session.send(response, this.contributePage(session));
  }

  @Post('contribute')
  async contribute(
    @Req() request: Request,
    @Res() response: Response,
    @Body() form: Form,
  ): Promise<void> {
    const session = await this.staffWithPatient(request, response);
    const contribution = session && contributionOf(session);
    if (!session || !contribution) return;
    const now = new Date();
    const today = (time: string) => {
      const match = /^(\d{1,2}):(\d{2})$/.exec(time);
      if (!match) return undefined;
      const at = new Date(now);
      at.setUTCHours(Number(match[1]), Number(match[2]), 0, 0);
      return at <= now ? at.toISOString() : undefined;
    };
    const errors: string[] = [];
    let payload: Record<string, unknown>;
    if (contribution.type === 'CareVisitRecorded') {
      const start = today(text(form, 'visitStart'));
      const end = today(text(form, 'visitEnd'));
      if (!start) errors.push('Enter when the visit started, as HH:MM, not later than now.');
      if (!end) errors.push('Enter when the visit ended, as HH:MM, not later than now.');
      if (!text(form, 'note')) errors.push('Say how the person was.');
      const tasks = form['tasksCompleted'];
      payload = {
        visitStart: start,
        visitEnd: end,
        tasksCompleted: Array.isArray(tasks) ? tasks : tasks ? [tasks] : [],
        note: text(form, 'note'),
        concernsRaised: text(form, 'concernsRaised') === 'yes',
      };
    } else {
      if (!text(form, 'narrative')) errors.push('Enter the consultation notes.');
      payload = {
        narrative: text(form, 'narrative'),
        codedItems: [],
        consultationMedium: text(form, 'consultationMedium') || 'face-to-face',
      };
    }
    if (errors.length)
      return this.session.send(response, this.contributePage(session, errors), 400);
    const answer = await this.platform.call(contribution.upstream, '/v1/entries', session.token, {
      method: 'POST',
      body: {
        patient: { nhsNumber: session.patient },
        type: contribution.type,
        occurredAt: (payload['visitEnd'] as string | undefined) ?? now.toISOString(),
        payload,
      },
    });
    if (!answer.ok)
      return this.session.send(
        response,
        this.contributePage(session, [inPlainWords(answer.problem)]),
        answer.problem.status,
      );
    this.session.redirect(response, '/journal?done=contributed');
  }

  private accessPage(session: Session, errors: string[] = []): SafeHtml {
    return layout({
      title: 'Claim a relationship or break glass',
      person: session.person,
      errors,
      body: html`<h1>Claim a care relationship or break glass</h1>
        <p>
          Use this only for a person you are caring for now. Before you go on, know what happens:
        </p>
        <ul>
          <li>What you do is recorded with your name, role, organisation and reason.</li>
          <li>Your organisation’s privacy officer is alerted and reviews it.</li>
          <li>The patient sees in their record who looked, when and why.</li>
          <li>Access lasts a limited time, then ends by itself.</li>
        </ul>
        <h2>Claim a care relationship</h2>
        <p>
          For planned care when your organisation’s system has not started the relationship (for
          example, a new referral that has not arrived). It lets your organisation read and add to
          the record for up to a day.
        </p>
        ${postForm('/access/claim', html`${textArea({ name: 'claimReason', label: 'Why you are caring for this person', hint: 'At least 10 characters', rows: 3 })}${button('Claim a care relationship', { secondary: true })}`, 'Claim a care relationship')}
        <h2>Break glass</h2>
        <p>
          For an emergency only: it gives you, in this role, access to the record for a few hours.
        </p>
        ${postForm('/access/break-glass', html`${textArea({ name: 'breakGlassReason', label: 'The emergency', hint: 'At least 10 characters', rows: 3 })}${button('Break glass', { warning: true })}`, 'Break glass')}`,
    });
  }

  @Get('access')
  async accessForm(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.staffWithPatient(request, response);
    if (session) this.session.send(response, this.accessPage(session));
  }

  @Post('access/claim')
  claim(@Req() request: Request, @Res() response: Response, @Body() form: Form): Promise<void> {
    return this.requestAccess(
      request,
      response,
      'relationship-claims',
      text(form, 'claimReason'),
      'claimed',
    );
  }

  @Post('access/break-glass')
  breakGlass(
    @Req() request: Request,
    @Res() response: Response,
    @Body() form: Form,
  ): Promise<void> {
    return this.requestAccess(
      request,
      response,
      'break-glass',
      text(form, 'breakGlassReason'),
      'break-glass',
    );
  }

  private async requestAccess(
    request: Request,
    response: Response,
    route: 'relationship-claims' | 'break-glass',
    reason: string,
    done: string,
  ): Promise<void> {
    const session = await this.staffWithPatient(request, response);
    if (!session) return;
    const answer = await this.platform.call(
      'record-api',
      `/v1/patients/${session.patient}/${route}`,
      session.token,
      {
        method: 'POST',
        body: { reason },
      },
    );
    if (!answer.ok) {
      if (answer.problem.code === 'patient-not-found')
        return this.session.send(response, noRecordPage(session), 404);
      return this.session.send(
        response,
        this.accessPage(session, [inPlainWords(answer.problem)]),
        answer.problem.status,
      );
    }
    this.session.redirect(response, `/journal?done=${done}`);
  }
}
