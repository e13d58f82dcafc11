import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { html } from '../html/html';
import { button, postForm, textArea } from '../html/forms';
import { layout } from '../html/layout';
import { typeInWords, when } from '../html/record-view';
import { PLATFORM_CLIENT, type PlatformClient } from '../platform/platform-client';
import { inPlainWords } from '../platform/plain-words';
import { WebSession } from '../session/web-session';

interface TaskView {
  id: string;
  nhsNumber: string;
  entry: { eventId: string; type: string; occurredAt: string; organisation: string };
  reason: string | null;
  status: string;
  recipient: { role: string; organisation: string };
  flaggedAt: string;
  escalation: { level: number; escalatedTo: { role: string; organisation: string } } | null;
  acknowledgement: {
    by: { userId: string; role: string };
    at?: string;
    note?: string | null;
  } | null;
}

/** "Entry on notes ≠ doctor informed": the person's tasks, each to acknowledge with a note. */
@ApiExcludeController()
@Controller('tasks')
export class TasksController {
  constructor(
    @Inject(WebSession) private readonly session: WebSession,
    @Inject(PLATFORM_CLIENT) private readonly platform: PlatformClient,
  ) {}

  @Get()
  async list(
    @Req() request: Request,
    @Res() response: Response,
    @Query('done') done: string | undefined,
    error?: string,
  ): Promise<void> {
    const session = await this.session.signedIn(request, response);
    if (!session) return;
    const answer = await this.platform.call<{ tasks: TaskView[]; withheld: number }>(
      'record-api',
      '/v1/tasks?status=all',
      session.token,
    );
    if (!answer.ok) return this.session.sendProblem(response, session, answer.problem);
    const { tasks } = answer.body;
    const open = tasks.filter(
      (task) => task.status !== 'acknowledged' && task.status !== 'withdrawn',
    );
    const closed = tasks.filter((task) => !open.includes(task));
    this.session.send(
      response,
      layout({
        title: 'My tasks',
        person: session.person,
        errors: error ? [error] : [],
        success:
          done === 'acknowledged'
            ? 'Task acknowledged. The person who flagged it can see that you have it.'
            : undefined,
        body: html`<h1>My tasks</h1>
          <p class="nhsuk-lede-text">
            Entries flagged for your role at ${session.person.organisation}: acknowledge each one
            you take on.
          </p>
          ${open.length === 0 ? html`<p>You have no open tasks.</p>` : null}
          ${open.map(
            (task) =>
              html`<div class="nhsuk-card">
                <div class="nhsuk-card__content">
                  <h2 class="nhsuk-card__heading nhsuk-heading-m">
                    ${task.reason ?? typeInWords(task.entry.type)}
                  </h2>
                  <p class="nhsuk-body-s">
                    ${typeInWords(task.entry.type)} from ${task.entry.organisation},
                    ${when(task.entry.occurredAt)}. Flagged ${when(task.flaggedAt)}.
                  </p>
                  ${
                    task.status === 'escalated' && task.escalation
                      ? html`<p>
                          <strong class="nhsuk-tag nhsuk-tag--red"
                            >Escalated to ${task.escalation.escalatedTo.role} at
                            ${task.escalation.escalatedTo.organisation}</strong
                          >
                        </p>`
                      : html`<p><strong class="nhsuk-tag nhsuk-tag--orange">Open</strong></p>`
                  }
                  ${postForm(
                    '/patients',
                    html`<input
                        type="hidden"
                        name="nhsNumber"
                        value="${task.nhsNumber}"
                      />${button('Open the record', { secondary: true })}`,
                    'Open the record',
                  )}
                  ${postForm(
                    `/tasks/${task.id}/acknowledge`,
                    html`${textArea({ name: `note-${task.id}`, label: 'Note (optional)', hint: 'What you will do about it', rows: 2 })}${button('Acknowledge')}`,
                    'Acknowledge the task',
                  )}
                </div>
              </div>`,
          )}
          ${
            closed.length
              ? html`<h2>Done</h2>
                  <ul class="nhsuk-list">
                    ${closed.map(
                      (task) =>
                        html`<li>
                          ${task.reason ?? typeInWords(task.entry.type)}:
                          <strong
                            class="nhsuk-tag nhsuk-tag--${task.status === 'acknowledged' ? 'green' : 'grey'}"
                            >${task.status === 'acknowledged' ? `Acknowledged by ${task.acknowledgement?.by.userId ?? 'a colleague'}` : 'Withdrawn'}</strong
                          >
                        </li>`,
                    )}
                  </ul>`
              : null
          }`,
      }),
    );
  }

  @Post(':taskId/acknowledge')
  async acknowledge(
    @Req() request: Request,
    @Res() response: Response,
    @Param('taskId') taskId: string,
    @Body() form: Record<string, string | undefined>,
  ): Promise<void> {
    const session = await this.session.signedIn(request, response);
    if (!session) return;
    const note = (form[`note-${taskId}`] ?? '').trim();
    const answer = await this.platform.call(
      'record-api',
      `/v1/tasks/${encodeURIComponent(taskId)}/acknowledge`,
      session.token,
      { method: 'POST', body: note ? { note } : {}, idempotencyKey: null },
    );
    if (!answer.ok) return this.list(request, response, undefined, inPlainWords(answer.problem));
    this.session.redirect(response, '/tasks?done=acknowledged');
  }
}
