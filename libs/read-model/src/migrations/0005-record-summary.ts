import { RULE_PAYLOAD_FIELDS } from '@carelog/domain';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { RECORD_SUMMARY_DDL, rulePayloadSql, sortedCategoriesSql } from '../record-summary';

/**
 * record_summary (see record-summary.ts): each entry keeps every category any of its versions
 * carried and the payload fields the access rules read, and the summary counts current entries
 * by them. Filled here from the rows already projected; kept from then on by triggers.
 */
export class RecordSummary1795800000000 implements MigrationInterface {
  name = 'RecordSummary1795800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE record_entry ADD COLUMN sensitivity_ever text[] NOT NULL DEFAULT '{}',
         ADD COLUMN rule_payload jsonb NOT NULL DEFAULT '{}'`,
    );
    await runner.query(
      `UPDATE record_entry SET
         sensitivity_ever = ${sortedCategoriesSql(
           `ARRAY(SELECT category FROM entry_version every_version, unnest(every_version.sensitivity) category
                  WHERE every_version.entry_id = record_entry.event_id
                  UNION ALL SELECT unnest(record_entry.sensitivity))`,
         )},
         rule_payload = ${rulePayloadSql('payload', '$1')}`,
      [RULE_PAYLOAD_FIELDS],
    );
    for (const statement of RECORD_SUMMARY_DDL) await runner.query(statement);
    await runner.query(
      `INSERT INTO record_summary (nhs_number, entry_type, sensitivity, attention_role, attention_organisation,
         organisation, rule_payload, entries)
       SELECT nhs_number, entry_type, sensitivity_ever, COALESCE(attention->>'role', ''),
              COALESCE(attention->>'organisation', ''), COALESCE(source->>'organisation', ''), rule_payload, count(*)
       FROM record_entry WHERE status = 'current' GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const name of ['insert', 'update', 'delete']) {
      await runner.query(`DROP TRIGGER record_summary_after_${name} ON record_entry`);
      await runner.query(`DROP FUNCTION record_summary_after_${name}()`);
    }
    await runner.query(`DROP TABLE record_summary`);
    await runner.query(
      `ALTER TABLE record_entry DROP COLUMN sensitivity_ever, DROP COLUMN rule_payload`,
    );
  }
}
