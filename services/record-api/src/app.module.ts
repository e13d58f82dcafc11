import {
  Inject,
  Logger,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { AuditCheckpointer, auditDataSource, AuditTrail, loadSigningKey } from '@carelog/audit';
import { rawSettings, setting } from '@carelog/config';
import { createKafka } from '@carelog/kafka';
import {
  CallerModule,
  HealthController,
  MetricsModule,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@carelog/nest-platform';
import {
  escalationPolicyFrom,
  RESULT_RELEASE_POLICY,
  resultReleasePolicyFrom,
  type EscalationPolicy,
} from '@carelog/domain';
import { EntryRecorder, EntryRecorderModule } from '@carelog/producer';
import { readModelDataSource } from '@carelog/read-model';
import type { DataSource } from 'typeorm';
import { AccessLogController } from './access-log/access-log.controller';
import { BreakGlassController } from './break-glass/break-glass.controller';
import { BreakGlassGrants } from './break-glass/break-glass-grants';
import { PatientContributionsController } from './consents/patient-contributions.controller';
import { HAND_OVER_READ_MODEL, HandOversController } from './hand-overs/hand-overs.controller';
import { CHILDREN_READ_MODEL, ChildrenController } from './children/children.controller';
import { PatientGate } from './patient-gate/patient-gate';
import { FhirReadController } from './fhir/fhir-read.controller';
import { PatientRecordController } from './patient-record/patient-record.controller';
import { MedicinesController } from './medicines/medicines.controller';
import { JournalMarks } from './patient-record/journal-marks';
import { RecordQuery } from './patient-record/record-query';
import { JournalTasks } from './tasks/journal-tasks';
import { TaskBoard } from './tasks/task-board';
import { TaskEscalator } from './tasks/task-escalator';
import { HomeReadingRules } from './home-readings/home-reading-rules';
import { TasksController } from './tasks/tasks.controller';
import { PrivacyController } from './privacy/privacy.controller';
import { PrivacyOfficerScopes } from './privacy/privacy-officer-scopes';
import { RelationshipClaimsController } from './relationship-claims/relationship-claims.controller';
import { OversightMetrics } from './oversight-metrics/oversight-metrics';

const READ_MODEL = Symbol('READ_MODEL');
const AUDIT_DATA_SOURCE = Symbol('AUDIT_DATA_SOURCE');
const ESCALATION_POLICY = Symbol('ESCALATION_POLICY');

const sweepMs = (): number => setting('CARELOG_TASK_SWEEP_SECONDS') * 1000;
const homeReadingLookbackDays = (): number => setting('CARELOG_HOME_READING_LOOKBACK_DAYS');
const refusalsBeforeAlert = (): number => setting('CARELOG_BREAK_GLASS_REFUSALS_ALERT');

class RecordApiLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(READ_MODEL) private readonly readModel: DataSource,
    @Inject(AUDIT_DATA_SOURCE) private readonly auditData: DataSource,
    private readonly auditTrail: AuditTrail,
    private readonly grants: BreakGlassGrants,
    private readonly escalator: TaskEscalator,
    private readonly checkpointer: AuditCheckpointer,
    private readonly marks: JournalMarks,
    private readonly homeReadings: HomeReadingRules,
  ) {}

  async onModuleInit(): Promise<void> {
    await Promise.all([this.readModel.initialize(), this.auditData.initialize()]);
    await this.auditTrail.migrate();
    await this.grants.migrate();
    await this.marks.migrate();
    this.escalator.start();
    this.homeReadings.start();
    this.checkpointer.start(new Logger('AuditCheckpointer'));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.escalator.stop(), this.homeReadings.stop()]);
    // The head at shutdown, signed, so that rows cut off the end after it are detected.
    await this.checkpointer
      .stop()
      .catch((error: unknown) =>
        new Logger('AuditCheckpointer').error(
          `last audit checkpoint failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    await this.auditTrail.disconnect();
    await Promise.all([this.readModel.destroy(), this.auditData.destroy()]);
  }
}

/** Ready once the projection has created the read model (the record API never migrates it). */
async function readModelPresent(dataSource: DataSource): Promise<boolean> {
  const rows = await dataSource.query<Array<{ present: boolean }>>(
    `SELECT to_regclass('record_entry') IS NOT NULL AS present`,
  );
  return rows[0]?.present === true;
}

@Module({
  imports: [
    CallerModule,
    MetricsModule,
    EntryRecorderModule.forDomain({ service: 'record-api', domain: 'patient' }),
  ],
  controllers: [
    PatientRecordController,
    MedicinesController,
    BreakGlassController,
    AccessLogController,
    PatientContributionsController,
    HandOversController,
    ChildrenController,
    TasksController,
    PrivacyController,
    RelationshipClaimsController,
    FhirReadController,
    HealthController,
  ],
  providers: [
    {
      provide: READ_MODEL,
      useFactory: () => readModelDataSource({ applicationName: 'carelog-record-api' }),
    },
    { provide: HAND_OVER_READ_MODEL, useExisting: READ_MODEL },
    { provide: CHILDREN_READ_MODEL, useExisting: READ_MODEL },
    {
      provide: AUDIT_DATA_SOURCE,
      useFactory: () => auditDataSource({ applicationName: 'carelog-record-api-audit' }),
    },
    {
      provide: AuditTrail,
      inject: [AUDIT_DATA_SOURCE],
      useFactory: (dataSource: DataSource) =>
        new AuditTrail(dataSource, createKafka('carelog-record-api-audit'), {
          refusalsBeforeAlert: refusalsBeforeAlert(),
        }),
    },
    { provide: PrivacyOfficerScopes, useFactory: () => PrivacyOfficerScopes.fromFile() },
    OversightMetrics,
    {
      provide: AuditCheckpointer,
      inject: [AUDIT_DATA_SOURCE],
      useFactory: (dataSource: DataSource) =>
        new AuditCheckpointer(
          dataSource,
          createKafka('carelog-record-api-checkpoints'),
          loadSigningKey(),
        ),
    },
    {
      provide: BreakGlassGrants,
      inject: [READ_MODEL],
      useFactory: (dataSource: DataSource) => new BreakGlassGrants(dataSource),
    },
    {
      provide: PatientGate,
      inject: [READ_MODEL, BreakGlassGrants, AuditTrail],
      useFactory: (dataSource: DataSource, grants: BreakGlassGrants, auditTrail: AuditTrail) =>
        new PatientGate(dataSource, grants, auditTrail),
    },
    {
      provide: JournalMarks,
      inject: [READ_MODEL],
      useFactory: (dataSource: DataSource) => new JournalMarks(dataSource),
    },
    {
      provide: JournalTasks,
      inject: [READ_MODEL],
      useFactory: (dataSource: DataSource) => new JournalTasks(dataSource),
    },
    {
      provide: RecordQuery,
      inject: [READ_MODEL],
      useFactory: (dataSource: DataSource) =>
        new RecordQuery(
          dataSource,
          resultReleasePolicyFrom(
            RESULT_RELEASE_POLICY,
            rawSettings(['CARELOG_RESULT_RELEASE_AFTER_SECONDS']),
          ),
        ),
    },
    {
      provide: ESCALATION_POLICY,
      useFactory: () =>
        escalationPolicyFrom(
          rawSettings([
            'CARELOG_TASK_ESCALATE_AFTER_SECONDS',
            'CARELOG_TASK_MAX_ESCALATIONS',
            'CARELOG_TASK_ESCALATION_ROLES',
          ]),
        ),
    },
    {
      provide: TaskBoard,
      inject: [READ_MODEL, PatientGate, ESCALATION_POLICY, RecordQuery],
      useFactory: (
        dataSource: DataSource,
        gate: PatientGate,
        policy: EscalationPolicy,
        records: RecordQuery,
      ) => new TaskBoard(dataSource, gate, policy, records),
    },
    {
      provide: TaskEscalator,
      inject: [READ_MODEL, EntryRecorder, ESCALATION_POLICY],
      useFactory: (dataSource: DataSource, recorder: EntryRecorder, policy: EscalationPolicy) =>
        new TaskEscalator(dataSource, recorder, policy, sweepMs()),
    },
    {
      provide: HomeReadingRules,
      inject: [READ_MODEL, EntryRecorder],
      useFactory: (dataSource: DataSource, recorder: EntryRecorder) =>
        new HomeReadingRules(dataSource, recorder, sweepMs(), homeReadingLookbackDays()),
    },
    {
      provide: RecordApiLifecycle,
      inject: [
        READ_MODEL,
        AUDIT_DATA_SOURCE,
        AuditTrail,
        BreakGlassGrants,
        TaskEscalator,
        AuditCheckpointer,
        JournalMarks,
        HomeReadingRules,
      ],
      useFactory: (
        readModel: DataSource,
        audit: DataSource,
        trail: AuditTrail,
        grants: BreakGlassGrants,
        escalator: TaskEscalator,
        checkpointer: AuditCheckpointer,
        marks: JournalMarks,
        homeReadings: HomeReadingRules,
      ) =>
        new RecordApiLifecycle(
          readModel,
          audit,
          trail,
          grants,
          escalator,
          checkpointer,
          marks,
          homeReadings,
        ),
    },
    {
      provide: READINESS_CHECKS,
      inject: [READ_MODEL],
      useFactory: (dataSource: DataSource): ReadinessCheck[] => [
        { name: 'read-model', isReady: () => readModelPresent(dataSource) },
      ],
    },
  ],
})
export class RecordApiModule {}
