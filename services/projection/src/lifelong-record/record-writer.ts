import { parentalResponsibilitySubject, RULE_PAYLOAD_FIELDS } from '@carelog/domain';
import {
  CheckpointStore,
  rulePayloadSql,
  sortedCategoriesSql,
  type PartitionRef,
} from '@carelog/read-model';
import type { DataSource, EntityManager } from 'typeorm';
import type { PlannedEvent } from './lifelong-record.projection';

const VERSION_COLUMNS = `event_id, entry_id, nhs_number, entry_type, domain, schema_version, occurred_at, recorded_at,
  source, author, sensitivity, attention, payload, supersedes_reason, correlation_id, topic, kafka_partition, kafka_offset`;

/** Inserts history rows in one statement; returns the ids that were new (a replay inserts none). */
async function insertVersions(
  manager: EntityManager,
  planned: readonly PlannedEvent[],
): Promise<Set<string>> {
  if (planned.length === 0) return new Set();
  const column = <T>(pick: (event: PlannedEvent) => T): T[] => planned.map(pick);
  const rows = await manager.query<Array<{ event_id: string }>>(
    `INSERT INTO entry_version (${VERSION_COLUMNS})
     SELECT u.event_id, u.entry_id, u.nhs_number, u.entry_type, u.domain, u.schema_version, u.occurred_at, u.recorded_at,
            u.source, u.author, ARRAY(SELECT jsonb_array_elements_text(u.sensitivity)), u.attention, u.payload,
            u.supersedes_reason, u.correlation_id, u.topic, u.kafka_partition, u.kafka_offset
     FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::int[], $7::timestamptz[], $8::timestamptz[],
                 $9::jsonb[], $10::jsonb[], $11::jsonb[], $12::jsonb[], $13::jsonb[], $14::text[], $15::text[], $16::text[],
                 $17::int[], $18::bigint[])
       AS u(event_id, entry_id, nhs_number, entry_type, domain, schema_version, occurred_at, recorded_at, source, author,
            sensitivity, attention, payload, supersedes_reason, correlation_id, topic, kafka_partition, kafka_offset)
     ON CONFLICT (event_id) DO NOTHING
     RETURNING event_id`,
    [
      column((p) => p.version.eventId),
      column((p) => p.version.entryId),
      column((p) => p.version.nhsNumber),
      column((p) => p.version.entryType),
      column((p) => p.version.domain),
      column((p) => p.version.schemaVersion),
      column((p) => p.version.occurredAt.toISOString()),
      column((p) => p.version.recordedAt.toISOString()),
      column((p) => JSON.stringify(p.version.source)),
      column((p) => JSON.stringify(p.version.author)),
      column((p) => JSON.stringify(p.version.sensitivity)),
      column((p) => (p.version.attention ? JSON.stringify(p.version.attention) : null)),
      column((p) => JSON.stringify(p.version.payload)),
      column((p) => p.version.supersedesReason),
      column((p) => p.version.correlationId),
      column((p) => p.version.topic),
      column((p) => p.version.partition),
      column((p) => p.version.offset),
    ],
  );
  return new Set(rows.map((row) => row.event_id));
}

/**
 * New entries: their first version becomes their current one, with the facts record_summary
 * counts them by (the triggers of migration 0005 count them in this transaction).
 */
async function insertEntries(manager: EntityManager, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await manager.query(
    `INSERT INTO record_entry (event_id, current_event_id, nhs_number, entry_type, domain, schema_version, occurred_at,
                               recorded_at, source, author, sensitivity, attention, payload, sensitivity_ever, rule_payload)
     SELECT event_id, event_id, nhs_number, entry_type, domain, schema_version, occurred_at, recorded_at, source, author,
            sensitivity, attention, payload, ${sortedCategoriesSql('sensitivity')}, ${rulePayloadSql('payload', '$2')}
     FROM entry_version WHERE event_id = ANY($1::uuid[])
     ON CONFLICT (event_id) DO NOTHING`,
    [eventIds, RULE_PAYLOAD_FIELDS],
  );
}

/** Points a correction's history row at the root entry (an amendment may amend an amendment). */
async function resolveRoot(
  manager: EntityManager,
  eventId: string,
  target: string,
): Promise<string> {
  const rows = await manager.query<Array<{ entry_id: string }>>(
    `UPDATE entry_version SET entry_id = COALESCE((SELECT entry_id FROM entry_version WHERE event_id = $2), $2)
     WHERE event_id = $1 RETURNING entry_id`,
    [eventId, target],
  );
  return rows[0]?.entry_id ?? target;
}

/**
 * An amendment may flag an entry, change whom it is flagged for, or take the flag away: the
 * task follows the entry's current version (an acknowledged task stays acknowledged).
 */
async function syncTaskWithAmendment(
  manager: EntityManager,
  entryId: string,
  versionEventId: string,
): Promise<void> {
  await manager.query(
    `INSERT INTO attention_task (task_id, nhs_number, entry_type, domain, recipient_role, recipient_organisation,
                                 reason, flagged_at)
     SELECT $1, nhs_number, entry_type, domain, attention->>'role', attention->>'organisation', attention->>'reason',
            recorded_at
     FROM entry_version WHERE event_id = $2 AND attention IS NOT NULL
     ON CONFLICT (task_id) DO UPDATE SET recipient_role = EXCLUDED.recipient_role,
       recipient_organisation = EXCLUDED.recipient_organisation, reason = EXCLUDED.reason,
       status = CASE WHEN attention_task.status = 'withdrawn' THEN 'open' ELSE attention_task.status END`,
    [entryId, versionEventId],
  );
  await manager.query(
    `UPDATE attention_task SET status = 'withdrawn'
     WHERE task_id = $1 AND status = 'open'
       AND (SELECT attention FROM entry_version WHERE event_id = $2) IS NULL`,
    [entryId, versionEventId],
  );
}

/**
 * Parental responsibility as consent state on the child's record. Births (the mother's topic)
 * and later records (the child's) are in different partitions, so the decision recorded last
 * stands whatever order a rebuild reads them in.
 */
async function upsertParentalResponsibility(
  manager: EntityManager,
  child: string,
  person: string,
  active: boolean,
  detail: Record<string, unknown>,
  version: PlannedEvent['version'],
): Promise<void> {
  await manager.query(
    `INSERT INTO consent_state (nhs_number, subject, active, detail, changed_at, changed_by_event_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (nhs_number, subject) DO UPDATE SET active = $3, detail = $4, changed_at = $5, changed_by_event_id = $6
     WHERE consent_state.changed_at <= EXCLUDED.changed_at`,
    [
      child,
      parentalResponsibilitySubject(person),
      active,
      JSON.stringify(detail),
      version.recordedAt,
      version.eventId,
    ],
  );
}

/** Applies one event's effects other than a plain new entry. */
async function applyEffects(manager: EntityManager, planned: PlannedEvent): Promise<void> {
  const { version } = planned;
  for (const effect of planned.effects) {
    switch (effect.kind) {
      case 'new-entry':
        await insertEntries(manager, [version.eventId]);
        break;
      case 'amendment': {
        const root = await resolveRoot(manager, version.eventId, effect.amends);
        await manager.query(
          `UPDATE record_entry SET current_event_id = v.event_id, schema_version = v.schema_version, amended_at = v.recorded_at,
             version_count = record_entry.version_count + 1, author = v.author, sensitivity = v.sensitivity,
             attention = v.attention, payload = v.payload,
             sensitivity_ever = ${sortedCategoriesSql('record_entry.sensitivity_ever || v.sensitivity')},
             rule_payload = ${rulePayloadSql('v.payload', '$3')}
           FROM entry_version v WHERE v.event_id = $1 AND record_entry.event_id = $2`,
          [version.eventId, root, RULE_PAYLOAD_FIELDS],
        );
        await syncTaskWithAmendment(manager, root, version.eventId);
        break;
      }
      case 'entered-in-error': {
        const root = await resolveRoot(manager, version.eventId, effect.entry);
        await manager.query(
          `UPDATE record_entry SET status = 'entered-in-error', entered_in_error_at = $2, entered_in_error_reason = $3
           WHERE event_id = $1`,
          [root, version.recordedAt, effect.reason],
        );
        // An entry that left the record no longer asks anyone to act.
        await manager.query(
          `UPDATE attention_task SET status = 'withdrawn' WHERE task_id = $1 AND status = 'open'`,
          [root],
        );
        break;
      }
      case 'relationship-start':
        // With the family's caseload, the same start for each recorded child young enough,
        // under an id derived from the event and the child, so that a replay adds nothing.
        await manager.query(
          `INSERT INTO care_relationship (started_by_event_id, nhs_number, organisation, kind, started_at, expires_at)
           SELECT $1::uuid, $2::char(10), $3, $4, $5::timestamptz, $6::timestamptz
           UNION ALL
           SELECT md5($1::text || ':' || l.linked_nhs_number)::uuid, l.linked_nhs_number, $3, $4, $5, $6
           FROM family_link l
           WHERE $7::timestamptz IS NOT NULL AND l.nhs_number = $2 AND l.relation = 'child' AND l.born_at > $7
           ON CONFLICT DO NOTHING`,
          [
            version.eventId,
            version.nhsNumber,
            effect.organisation,
            effect.relationship,
            version.occurredAt,
            effect.expiresAt,
            effect.forChildrenBornAfter ?? null,
          ],
        );
        break;
      case 'relationship-end': {
        // The patient, and with the family's caseload her recorded children.
        const patients = `(nhs_number = $1 OR ($5::boolean AND nhs_number IN (
            SELECT linked_nhs_number FROM family_link WHERE nhs_number = $1 AND relation = 'child')))`;
        const forChildren = effect.forChildren === true;
        if (effect.graceUntil) {
          await manager.query(
            `UPDATE care_relationship SET expires_at = LEAST(COALESCE(expires_at, $4), $4)
             WHERE ${patients} AND organisation = $2 AND kind = $3 AND ended_at IS NULL`,
            [
              version.nhsNumber,
              effect.organisation,
              effect.relationship,
              effect.graceUntil,
              forChildren,
            ],
          );
          break;
        }
        await manager.query(
          `UPDATE care_relationship SET ended_at = $4
           WHERE ${patients} AND organisation = $2 AND kind = $3 AND ended_at IS NULL`,
          [
            version.nhsNumber,
            effect.organisation,
            effect.relationship,
            version.occurredAt,
            forChildren,
          ],
        );
        break;
      }
      case 'birth':
        await manager.query(
          `INSERT INTO family_link (nhs_number, linked_nhs_number, relation, born_at, birth_event_id)
           VALUES ($1, $2, 'mother', $3, $4), ($2, $1, 'child', $3, $4) ON CONFLICT DO NOTHING`,
          [effect.child, version.nhsNumber, effect.bornAt, version.eventId],
        );
        await upsertParentalResponsibility(
          manager,
          effect.child,
          version.nhsNumber,
          true,
          {
            personNhsNumber: version.nhsNumber,
            relationshipToChild: 'mother',
            basis: 'birth',
          },
          version,
        );
        // The family's caseload: the mother's active relationships of these kinds, as they
        // stand (a grace already running runs for the baby too).
        await manager.query(
          `INSERT INTO care_relationship (started_by_event_id, nhs_number, organisation, kind, started_at, expires_at)
           SELECT md5(r.started_by_event_id::text || ':' || $1)::uuid, $1, r.organisation, r.kind, $3, r.expires_at
           FROM care_relationship r
           WHERE r.nhs_number = $2 AND r.kind = ANY($4::text[]) AND r.ended_at IS NULL
             AND (r.expires_at IS NULL OR r.expires_at > $3)
           ON CONFLICT DO NOTHING`,
          [effect.child, version.nhsNumber, version.occurredAt, [...effect.inherits]],
        );
        break;
      case 'parental-responsibility':
        await upsertParentalResponsibility(
          manager,
          version.nhsNumber,
          effect.person,
          effect.active,
          effect.detail,
          version,
        );
        break;
      case 'task-flagged':
        await manager.query(
          `INSERT INTO attention_task (task_id, nhs_number, entry_type, domain, recipient_role, recipient_organisation,
                                       reason, flagged_at)
           SELECT event_id, nhs_number, entry_type, domain, attention->>'role', attention->>'organisation',
                  attention->>'reason', recorded_at
           FROM entry_version WHERE event_id = $1 AND attention IS NOT NULL
           ON CONFLICT (task_id) DO NOTHING`,
          [version.eventId],
        );
        break;
      case 'task-acknowledged':
        // The first acknowledgement stands; a later one stays in the history only.
        await manager.query(
          `UPDATE attention_task SET status = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3,
             acknowledgement_event_id = $4
           WHERE task_id = $1 AND status = 'open'`,
          [effect.task, version.recordedAt, JSON.stringify(effect.by), version.eventId],
        );
        break;
      case 'task-escalated':
        await manager.query(
          `UPDATE attention_task SET escalation_level = $2, escalated_at = $3, escalated_to_role = $4,
             escalated_to_organisation = $5
           WHERE task_id = $1 AND status = 'open' AND escalation_level < $2`,
          [effect.task, effect.level, version.recordedAt, effect.to.role, effect.to.organisation],
        );
        break;
      case 'consent':
        await manager.query(
          `INSERT INTO consent_state (nhs_number, subject, active, detail, changed_at, changed_by_event_id)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (nhs_number, subject) DO UPDATE SET active = $3, detail = $4, changed_at = $5, changed_by_event_id = $6`,
          [
            version.nhsNumber,
            effect.subject,
            effect.active,
            JSON.stringify(effect.detail),
            version.recordedAt,
            version.eventId,
          ],
        );
        break;
    }
  }
}

/**
 * Writes one partition batch and the partition's next offset in one transaction. Replays
 * change nothing: offsets below the checkpoint are skipped before we get here, and an
 * event whose history row already exists has its effects applied no second time.
 */
export class RecordWriter {
  /** The read model's checkpoints: the next offset it needs from each partition. */
  readonly checkpoints: CheckpointStore;

  constructor(private readonly dataSource: DataSource) {
    this.checkpoints = new CheckpointStore(dataSource, 'projection_checkpoint');
  }

  async write(
    batch: PartitionRef,
    planned: readonly PlannedEvent[],
    nextOffset: bigint,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const fresh = await insertVersions(manager, planned);
      // Plain new entries go in together; anything else is applied in log order after them
      // and after every entry before it, so an amendment always finds the entry it amends.
      let pendingEntries: string[] = [];
      for (const event of planned) {
        if (!fresh.has(event.version.eventId)) continue;
        const [only, ...others] = event.effects;
        if (only?.kind === 'new-entry' && others.length === 0) {
          pendingEntries.push(event.version.eventId);
          continue;
        }
        await insertEntries(manager, pendingEntries);
        pendingEntries = [];
        await applyEffects(manager, event);
      }
      await insertEntries(manager, pendingEntries);
      await this.checkpoints.store(manager, batch, nextOffset);
    });
  }
}
