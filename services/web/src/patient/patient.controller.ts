import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SECTION_NAMES } from '@carelog/domain';
import { accessLogTable, type AccessLine } from '../html/access-log';
import {
  button,
  choices,
  formList as list,
  formText as text,
  postForm,
  select,
  textInput,
  type FormBody as Form,
} from '../html/forms';
import { html, type SafeHtml } from '../html/html';
import { layout } from '../html/layout';
import { entryItem, sectionInWords, type EntryView } from '../html/record-view';
import { PLATFORM_CLIENT, type PlatformClient } from '../platform/platform-client';
import { inPlainWords } from '../platform/plain-words';
import { WebSession } from '../session/web-session';
import type { Session } from '../session/session';

const OPT_OUTS = [
  {
    value: 'national-data-opt-out',
    text: 'National data opt-out: my data is not used for research and planning',
  },
  {
    value: 'type-1',
    text: 'Type 1 opt-out: my GP record is not shared for purposes beyond my care',
  },
  {
    value: 'record-sharing',
    text: 'Record sharing: my record is not shared with other organisations',
  },
];

const DONE: Record<string, string> = {
  reading: 'Your reading was saved. It appears in your record as soon as carelog has filed it.',
  approved: 'Your carer can now see the parts of your record you chose.',
  revoked: 'That carer can no longer see your record.',
  'opt-out': 'Your choice is recorded.',
};

/**
 * The patient's own pages: results, a home reading, carers and their scope, opt-outs and who
 * looked at the record. The record itself is the journal (/journal) in the patient's view.
 */
@ApiExcludeController()
@Controller('my')
export class PatientController {
  constructor(
    @Inject(WebSession) private readonly session: WebSession,
    @Inject(PLATFORM_CLIENT) private readonly platform: PlatformClient,
  ) {}

  private patient(request: Request, response: Response): Promise<Session | undefined> {
    return this.session.signedInAs(request, response, (person) => person.role === 'patient');
  }

  @Get('record')
  record(@Res() response: Response): void {
    this.session.redirect(response, '/journal');
  }

  @Get('results')
  async results(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.patient(request, response);
    if (!session) return;
    const answer = await this.platform.call<{ entries: EntryView[] }>(
      'record-api',
      `/v1/patients/${session.patient}/record?type=TestResultRecorded`,
      session.token,
    );
    if (!answer.ok) return this.session.sendProblem(response, session, answer.problem);
    const entries = answer.body.entries;
    const waiting = entries.filter(
      (entry) => entry.payload['status'] === 'waiting-for-your-care-team',
    );
    const released = entries.filter((entry) => !waiting.includes(entry));
    this.session.send(
      response,
      layout({
        title: 'My results',
        person: session.person,
        body: html`<h1>My results</h1>
          ${
            waiting.length
              ? html`<h2>Waiting for your care team</h2>
                  <p>
                    Your care team looks at these results first and will talk to you about them. You
                    will see them here once they have.
                  </p>
                  <ul class="nhsuk-list carelog-timeline">
                    ${waiting.map((entry) => entryItem(entry, { link: false }))}
                  </ul>`
              : null
          }
          <h2>Results you can see</h2>
          ${
            released.length
              ? html`<ul class="nhsuk-list carelog-timeline">
                  ${released.map((entry) => entryItem(entry))}
                </ul>`
              : html`<p>No results yet.</p>`
          }`,
      }),
    );
  }

  private readingPage(session: Session, errors: string[] = []): SafeHtml {
    return layout({
      title: 'Add a blood pressure reading',
      person: session.person,
      errors,
      body: html`<h1>Add a blood pressure reading</h1>
        <p>Take it sitting down after 5 minutes’ rest. Your care team sees it in your record.</p>
        ${postForm(
          '/my/readings',
          html`${textInput({ name: 'systolic', label: 'Systolic (the higher number), mmHg', width: 3, inputmode: 'numeric' })}
          ${textInput({ name: 'diastolic', label: 'Diastolic (the lower number), mmHg', width: 3, inputmode: 'numeric' })}
          ${textInput({ name: 'deviceName', label: 'Your monitor (optional)', width: 20 })}
          ${button('Save reading')}`,
          'Add a blood pressure reading',
        )}`,
    });
  }

  @Get('readings')
  async readingForm(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.patient(request, response);
    if (session) this.session.send(response, this.readingPage(session));
  }

  @Post('readings')
  async addReading(
    @Req() request: Request,
    @Res() response: Response,
    @Body() form: Form,
  ): Promise<void> {
    const session = await this.patient(request, response);
    if (!session) return;
    const systolic = Number(text(form, 'systolic'));
    const diastolic = Number(text(form, 'diastolic'));
    const errors: string[] = [];
    if (!Number.isInteger(systolic) || systolic < 50 || systolic > 300)
      errors.push('Enter the systolic number, from 50 to 300.');
    if (!Number.isInteger(diastolic) || diastolic < 30 || diastolic > 200)
      errors.push('Enter the diastolic number, from 30 to 200.');
    if (errors.length) return this.session.send(response, this.readingPage(session, errors), 400);
    const answer = await this.platform.call(
      'record-api',
      `/v1/patients/${session.patient}/contributions`,
      session.token,
      {
        method: 'POST',
        body: {
          type: 'HomeReadingRecorded',
          occurredAt: new Date().toISOString(),
          payload: {
            measurement: {
              system: 'http://snomed.info/sct',
              code: '75367002',
              display: 'Blood pressure',
            },
            readings: [
              { name: 'systolic', value: systolic, unit: 'mm[Hg]' },
              { name: 'diastolic', value: diastolic, unit: 'mm[Hg]' },
            ],
            deviceName: text(form, 'deviceName') || null,
          },
        },
      },
    );
    if (!answer.ok)
      return this.session.send(
        response,
        this.readingPage(session, [inPlainWords(answer.problem)]),
        answer.problem.status,
      );
    this.session.redirect(response, '/journal?done=reading');
  }

  private sharingPage(session: Session, done?: string, errors: string[] = []): SafeHtml {
    return layout({
      title: 'Carers and opt-outs',
      person: session.person,
      errors,
      success: done ? DONE[done] : undefined,
      body: html`<h1>Carers and opt-outs</h1>
        <h2>Let a carer see part of your record</h2>
        <p>
          Your carer signs in with their own NHS login. They see only the parts you choose, and you
          can stop it at any time.
        </p>
        ${postForm(
          '/my/carers',
          html`${textInput({ name: 'carerUserId', label: 'Your carer’s NHS login user id', width: 20 })}
          ${textInput({ name: 'carerName', label: 'Their name', width: 20 })}
          ${textInput({ name: 'relationshipToPatient', label: 'Who they are to you', hint: 'For example, daughter', width: 20 })}
          ${choices({ kind: 'checkboxes', name: 'scope', legend: 'What they may see', small: true, items: SECTION_NAMES.map((section) => ({ value: section, text: sectionInWords(section) })) })}
          ${button('Approve carer')}`,
          'Approve a carer',
        )}
        <h2>Stop a carer seeing your record</h2>
        ${postForm(
          '/my/carers/revoke',
          html`${textInput({ name: 'revokeUserId', label: 'Your carer’s NHS login user id', width: 20 })}${button('Stop access', { secondary: true })}`,
          'Stop a carer seeing your record',
        )}
        <h2>Opt-outs</h2>
        ${postForm(
          '/my/opt-outs',
          html`${select({ name: 'optOutType', label: 'Opt-out', choices: OPT_OUTS })}
          ${choices({
            kind: 'radios',
            name: 'effective',
            legend: 'Your choice',
            small: true,
            items: [
              { value: 'yes', text: 'Opt out', checked: true },
              { value: 'no', text: 'Withdraw my opt-out' },
            ],
          })}
          ${button('Save my choice', { secondary: true })}`,
          'Opt-outs',
        )}`,
    });
  }

  @Get('sharing')
  async sharing(
    @Req() request: Request,
    @Res() response: Response,
    @Query('done') done: string | undefined,
  ): Promise<void> {
    const session = await this.patient(request, response);
    if (session) this.session.send(response, this.sharingPage(session, done));
  }

  @Post('carers')
  async approveCarer(
    @Req() request: Request,
    @Res() response: Response,
    @Body() form: Form,
  ): Promise<void> {
    const session = await this.patient(request, response);
    if (!session) return;
    const carerUserId = text(form, 'carerUserId');
    const scope = list(form, 'scope').filter((section) =>
      (SECTION_NAMES as readonly string[]).includes(section),
    );
    const errors: string[] = [];
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(carerUserId))
      errors.push('Enter your carer’s NHS login user id.');
    if (!text(form, 'carerName')) errors.push('Enter your carer’s name.');
    if (scope.length === 0) errors.push('Choose at least one part of your record they may see.');
    if (errors.length)
      return this.session.send(response, this.sharingPage(session, undefined, errors), 400);
    await this.consent(
      response,
      session,
      `carers/${encodeURIComponent(carerUserId)}`,
      {
        carerName: text(form, 'carerName'),
        relationshipToPatient: text(form, 'relationshipToPatient') || 'carer',
        scope,
        notifyOnCarePlanChange: true,
      },
      'approved',
    );
  }

  @Post('carers/revoke')
  async revokeCarer(
    @Req() request: Request,
    @Res() response: Response,
    @Body() form: Form,
  ): Promise<void> {
    const session = await this.patient(request, response);
    if (!session) return;
    const carerUserId = text(form, 'revokeUserId');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(carerUserId))
      return this.session.send(
        response,
        this.sharingPage(session, undefined, ['Enter your carer’s NHS login user id.']),
        400,
      );
    await this.consent(
      response,
      session,
      `carers/${encodeURIComponent(carerUserId)}`,
      { approved: false, reason: 'Stopped by the patient' },
      'revoked',
    );
  }

  @Post('opt-outs')
  async optOut(
    @Req() request: Request,
    @Res() response: Response,
    @Body() form: Form,
  ): Promise<void> {
    const session = await this.patient(request, response);
    if (!session) return;
    const type = text(form, 'optOutType');
    if (!OPT_OUTS.some((optOut) => optOut.value === type))
      return this.session.send(
        response,
        this.sharingPage(session, undefined, ['Choose an opt-out.']),
        400,
      );
    await this.consent(
      response,
      session,
      `opt-outs/${type}`,
      { effective: text(form, 'effective') !== 'no' },
      'opt-out',
    );
  }

  private async consent(
    response: Response,
    session: Session,
    path: string,
    body: unknown,
    done: string,
  ): Promise<void> {
    const answer = await this.platform.call(
      'record-api',
      `/v1/patients/${session.patient}/consents/${path}`,
      session.token,
      {
        method: 'PUT',
        body,
      },
    );
    if (!answer.ok)
      return this.session.send(
        response,
        this.sharingPage(session, undefined, [inPlainWords(answer.problem)]),
        answer.problem.status,
      );
    this.session.redirect(response, `/my/sharing?done=${done}`);
  }

  @Get('access-log')
  async accessLog(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.patient(request, response);
    if (!session) return;
    const answer = await this.platform.call<{ accesses: AccessLine[] }>(
      'record-api',
      `/v1/patients/${session.patient}/access-log?limit=100`,
      session.token,
    );
    if (!answer.ok) return this.session.sendProblem(response, session, answer.problem);
    const others = answer.body.accesses.filter((line) => line.actor.role !== 'patient');
    this.session.send(
      response,
      layout({
        title: 'Who looked at my record',
        person: session.person,
        body: html`<h1>Who looked at my record</h1>
          <p>
            Every time someone opens your record it is written down here, with why they could.
            Emergency access (break glass) and claimed relationships show the reason they gave.
          </p>
          ${accessLogTable(others, 'Who looked at your record, newest first')}`,
      }),
    );
  }
}
