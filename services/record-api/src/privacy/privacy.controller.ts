import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  ALERT_OUTCOMES,
  AuditTrail,
  type AccessActor,
  type AlertOutcome,
  type PrivacyOfficerAlert,
} from '@carelog/audit';
import type { Caller } from '@carelog/auth';
import {
  DomainError,
  isRole,
  isUuid,
  isValidNhsNumber,
  VIEW_ROLES,
  type AccessBasis,
  type ViewRole,
} from '@carelog/domain';
import {
  ApiAnswer,
  ApiProblems,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentCaller,
  nullable,
} from '@carelog/nest-platform';
import { ALERT_SCHEMA, ALERTS_SCHEMA, RECONSTRUCTION_SCHEMA } from '../openapi-schemas';
import { disclosureIn, PatientGate, type OpenedPatient } from '../patient-gate/patient-gate';
import { journalOf, parseJournalPage } from '../patient-record/patient-record.controller';
import { JournalTasks } from '../tasks/journal-tasks';
import {
  factsOf,
  parseRecordFilters,
  RecordQuery,
  type RecordPage,
} from '../patient-record/record-query';
import { MIN_REASON, statedReason } from '../patient-gate/staff-requests';
import { PrivacyOfficerScopes } from './privacy-officer-scopes';

const fieldsOf = (body: unknown): Record<string, unknown> =>
  typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};

/** The record page a reconstruction shows: the page less its patient and asAt. */
export type ReconstructedPage = Pick<RecordPage, 'entries' | 'withheld' | 'nextCursor'>;

/** A reconstruction: what a reader was shown of a patient at a time, and their audited reads. */
export interface Reconstruction {
  patient: { nhsNumber: string };
  reader: AccessActor;
  asAt: string;
  view: 'record' | 'journal';
  access: { allowed: false } | { allowed: true; basis: AccessBasis };
  /** The record page (less its patient and asAt) or the journal's body; null when refused then. */
  shown: ReconstructedPage | Record<string, unknown> | null;
  audited: Awaited<ReturnType<AuditTrail['accessesBy']>>;
}

function requireOfficer(caller: Caller): void {
  if (caller.role !== 'privacy-officer')
    throw new DomainError('not-permitted', 'for privacy officers', 'Authorization');
}

/**
 * The privacy officer's review (docs/architecture.md, "Break-glass, privacy officers, audit"): the queue of
 * break-glass uses, claims and repeated refusals by staff of the organisations they review,
 * acknowledged with an outcome; and the reconstruction of exactly what a reader was shown at a
 * time. Every one of these reads and decisions is itself audited.
 */
@ApiTags('privacy officer')
@ApiBearerAuth()
@ApiProblems(...CALLER_PROBLEMS)
@Controller('v1/privacy')
@UseGuards(CallerGuard)
export class PrivacyController {
  constructor(
    @Inject(AuditTrail) private readonly auditTrail: AuditTrail,
    @Inject(PatientGate) private readonly gate: PatientGate,
    @Inject(RecordQuery) private readonly records: RecordQuery,
    @Inject(PrivacyOfficerScopes) private readonly scopes: PrivacyOfficerScopes,
    @Inject(JournalTasks) private readonly tasks: JournalTasks,
  ) {}

  private actorOf(caller: Caller): AccessActor {
    return { userId: caller.userId, role: caller.role, organisation: caller.organisation };
  }

  @Get(['alerts', 'break-glass-alerts'])
  @ApiOperation({
    summary:
      'Break-glass uses, relationship claims and repeated refused break-glass attempts by staff of the organisations you review, newest first (`break-glass-alerts` is the older name)',
  })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'all'] })
  @ApiAnswer(200, 'Newest first', ALERTS_SCHEMA, {
    links: {
      acknowledge: {
        operationId: 'PrivacyController_acknowledge',
        parameters: { accessId: '$response.body#/alerts/0/accessId' },
      },
    },
  })
  async alerts(
    @Query('status') status: string | undefined,
    @CurrentCaller() caller: Caller,
  ): Promise<{ alerts: PrivacyOfficerAlert[] }> {
    requireOfficer(caller);
    if (status !== undefined && status !== 'open' && status !== 'all')
      throw new DomainError('invalid-status', 'must be open or all', 'status');
    const alerts = await this.auditTrail.privacyAlerts({
      limit: 200,
      scope: this.scopes.scopeOf(caller.organisation),
      status: status ?? 'open',
    });
    // One access event for the queue read: it names many patients, none in particular.
    await this.gate.record({
      accessId: randomUUID(),
      occurredAt: new Date(),
      actor: this.actorOf(caller),
      nhsNumber: '',
      action: 'read-privacy-alerts',
      outcome: 'allowed',
      entriesShown: alerts.length,
      breakGlass: null,
    });
    return { alerts };
  }

  @Post('alerts/:accessId/acknowledge')
  @ApiParam({ name: 'accessId', schema: { type: 'string', format: 'uuid' } })
  @HttpCode(200)
  @ApiOperation({ summary: 'Acknowledge an alert with the outcome of your review' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['outcome'],
      properties: {
        outcome: { type: 'string', enum: [...ALERT_OUTCOMES] },
        // null, like leaving it out, is no note (schemathesis found null accepted, not declared).
        note: nullable({ type: 'string', format: 'free-text' }),
      },
    },
  })
  @ApiAnswer(200, 'The alert, acknowledged', ALERT_SCHEMA)
  @ApiProblems(...BODY_PROBLEMS, 404, 409)
  async acknowledge(
    @Param('accessId') accessId: string,
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<PrivacyOfficerAlert> {
    requireOfficer(caller);
    const { outcome, note } = fieldsOf(body);
    if (typeof outcome !== 'string' || !(ALERT_OUTCOMES as readonly string[]).includes(outcome))
      throw new DomainError(
        'invalid-outcome',
        `must be one of ${ALERT_OUTCOMES.join(', ')}`,
        'outcome',
      );
    if (note !== undefined && note !== null && typeof note !== 'string')
      throw new DomainError('invalid-note', 'must be text', 'note');
    if (!isUuid(accessId))
      throw new DomainError('alert-not-found', 'no alert with that id is yours to review');
    const at = new Date();
    const alert = await this.auditTrail.acknowledgeAlert(
      accessId,
      {
        by: this.actorOf(caller),
        outcome: outcome as AlertOutcome,
        note: typeof note === 'string' ? note.trim() || null : null,
        at,
      },
      this.scopes.scopeOf(caller.organisation),
    );
    await this.gate.record({
      accessId: randomUUID(),
      occurredAt: at,
      actor: this.actorOf(caller),
      nhsNumber: alert.nhsNumber,
      action: 'acknowledge-alert',
      outcome: 'allowed',
      entriesShown: null,
      breakGlass: null,
      review: {
        reason: alert.acknowledgement?.note ?? null,
        reader: null,
        asAt: null,
        alertId: alert.accessId,
        outcome,
      },
    });
    return alert;
  }

  @Post('reconstructions')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Reconstruct exactly what a reader (user, role, organisation) was shown of a patient at a time: the record page or the journal, by the rules, relationships, seals and versions as they stood then; with the reads audited for that reader up to then. Needs a reason; audited',
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['nhsNumber', 'reader', 'asAt', 'reason'],
      properties: {
        nhsNumber: { type: 'string', format: 'nhs-number' },
        reader: {
          type: 'object',
          required: ['userId', 'role', 'organisation'],
          properties: {
            userId: { type: 'string' },
            role: { type: 'string', enum: [...VIEW_ROLES] },
            organisation: { type: 'string' },
            nhsNumber: {
              type: 'string',
              format: 'nhs-number',
              description: 'for a patient reader',
            },
          },
        },
        asAt: { type: 'string', format: 'date-time' },
        view: { type: 'string', enum: ['record', 'journal'], default: 'record' },
        journalView: { type: 'string', enum: [...VIEW_ROLES] },
        expand: { type: 'string' },
        since: {
          type: 'string',
          format: 'date-time',
          description: 'a journal new since then (the `since` the journal answered)',
        },
        limit: {
          type: 'integer',
          minimum: 1,
          maximum: 500,
          description: 'record: 1 to 200, default 50; journal (lines): 1 to 500, default 200',
        },
        cursor: { type: 'string' },
        reason: { type: 'string', format: 'free-text', minLength: MIN_REASON },
      },
    },
  })
  @ApiAnswer(
    200,
    'What the reader was shown then, and the reads audited for them',
    RECONSTRUCTION_SCHEMA,
  )
  @ApiProblems(...BODY_PROBLEMS)
  async reconstruct(
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<Reconstruction> {
    requireOfficer(caller);
    const fields = fieldsOf(body);
    const reason = statedReason(fields, 'reconstruction-reason-required');
    const nhsNumber = fields['nhsNumber'];
    if (typeof nhsNumber !== 'string' || !isValidNhsNumber(nhsNumber))
      throw new DomainError(
        'invalid-nhs-number',
        'must be a 10-digit NHS number with a valid check digit',
        'nhsNumber',
      );
    const reader = fieldsOf(fields['reader']);
    const role = reader['role'];
    if (
      typeof reader['userId'] !== 'string' ||
      typeof reader['organisation'] !== 'string' ||
      typeof role !== 'string' ||
      !isRole(role) ||
      role === 'privacy-officer'
    )
      throw new DomainError(
        'invalid-reader',
        `needs userId, organisation and a role of ${VIEW_ROLES.join(', ')}`,
        'reader',
      );
    const view = fields['view'] ?? 'record';
    if (view !== 'record' && view !== 'journal')
      throw new DomainError('invalid-view', 'must be record or journal', 'view');
    const asAt = parseRecordFilters(
      typeof fields['asAt'] === 'string' ? { asAt: fields['asAt'] } : {},
    ).asAt;
    if (!asAt) throw new DomainError('invalid-filter', 'must be an ISO 8601 date-time', 'asAt');
    const scope = this.scopes.scopeOf(caller.organisation);
    if (!scope.organisations.includes(reader['organisation']))
      throw new DomainError(
        'reader-out-of-scope',
        "the reader's organisation is not one you review",
        'reader.organisation',
      );
    const viewer = {
      role: role,
      organisation: reader['organisation'],
      userId: reader['userId'],
      ...(typeof reader['nhsNumber'] === 'string' ? { nhsNumber: reader['nhsNumber'] } : {}),
    };
    const then = await this.gate.stateAt(viewer, nhsNumber, asAt, { asRecorded: true });
    const actor = { userId: viewer.userId, role: viewer.role, organisation: viewer.organisation };
    const audited = await this.auditTrail.accessesBy(nhsNumber, actor, asAt);
    let shown: Reconstruction['shown'] = null;
    if (then.access.allowed) {
      // Exactly as the read then: its rules, its relationships and consents, the versions
      // current then and the sensitivity they carried by then.
      const patient: OpenedPatient = {
        nhsNumber,
        viewer,
        access: then.access,
        consents: then.consents,
        audit: () => Promise.resolve(),
      };
      const disclose = (entry: Parameters<typeof factsOf>[0]) =>
        disclosureIn(viewer, then, factsOf(entry));
      if (view === 'record') {
        const filters = parseRecordFilters({
          ...(typeof fields['limit'] === 'number' ? { limit: String(fields['limit']) } : {}),
          ...(typeof fields['cursor'] === 'string' ? { cursor: fields['cursor'] } : {}),
        });
        const page = await this.records.page(patient, { ...filters, asAt }, disclose, asAt);
        shown = {
          entries: page.entries,
          withheld: await page.withheld,
          nextCursor: page.nextCursor,
        };
      } else {
        const journalView = fields['journalView'] ?? viewer.role;
        if (
          typeof journalView !== 'string' ||
          !(VIEW_ROLES as readonly string[]).includes(journalView)
        )
          throw new DomainError(
            'invalid-view',
            `must be one of ${VIEW_ROLES.join(', ')}`,
            'journalView',
          );
        const since = typeof fields['since'] === 'string' ? new Date(fields['since']) : undefined;
        if (since && Number.isNaN(since.getTime()))
          throw new DomainError('invalid-filter', 'must be an ISO 8601 date-time', 'since');
        const all = await this.records.releasedFor(
          viewer,
          nhsNumber,
          await this.records.entries(nhsNumber, asAt, asAt),
          asAt,
        );
        const tasks = await this.tasks.statuses(
          nhsNumber,
          all.filter((entry) => disclose(entry) === 'shown'),
          asAt,
        );
        shown = journalOf(nhsNumber, journalView as ViewRole, viewer.organisation, all, disclose, {
          expand: typeof fields['expand'] === 'string' ? fields['expand'] : undefined,
          asAt,
          since,
          tasks,
          page: parseJournalPage(
            typeof fields['limit'] === 'number' ? String(fields['limit']) : undefined,
            typeof fields['cursor'] === 'string' ? fields['cursor'] : undefined,
          ),
        }).body;
      }
    }
    await this.gate.record({
      accessId: randomUUID(),
      occurredAt: new Date(),
      actor: this.actorOf(caller),
      nhsNumber,
      action: 'reconstruct-view',
      outcome: 'allowed',
      entriesShown: null,
      breakGlass: null,
      review: { reason, reader: actor, asAt, alertId: null, outcome: null },
    });
    return {
      patient: { nhsNumber },
      reader: actor,
      asAt: asAt.toISOString(),
      view,
      access: then.access.allowed
        ? { allowed: true, basis: then.access.basis }
        : { allowed: false },
      shown,
      audited,
    };
  }
}
