/**
 * record_summary: per patient, how many current entries share each set of the facts the access
 * rules read (entry type, every category any version carried, whom it is flagged for, the
 * authoring organisation, and the payload fields the always-show rules read). A count over a
 * whole record (a view's `withheld`) decides each group once with the same rules instead of
 * reading every entry. Kept in the transaction that writes record_entry, by triggers over the
 * rows each statement changed (migration 0005), so the projection and a rebuild keep it alike.
 */

/** Categories of an array expression, each once, sorted: how the summary keys sensitivity. */
export const sortedCategoriesSql = (array: string): string =>
  `ARRAY(SELECT DISTINCT category FROM unnest(${array}) category ORDER BY 1)`;

/**
 * The payload cut down to the fields the access rules read (RULE_PAYLOAD_FIELDS of
 * @carelog/domain, passed as `fieldsParameter`, a text[]): `{}` when it has none of them.
 */
export const rulePayloadSql = (payload: string, fieldsParameter: string): string =>
  `(SELECT COALESCE(jsonb_object_agg(field.key, field.value), '{}'::jsonb)
    FROM jsonb_each(${payload}) field WHERE field.key = ANY(${fieldsParameter}::text[]))`;

/** One group of a patient's current entries as record_summary holds it. */
export interface RecordSummaryGroup {
  entry_type: string;
  sensitivity: string[];
  /** '' when the entries are flagged for no one. */
  attention_role: string;
  attention_organisation: string;
  organisation: string;
  rule_payload: Record<string, unknown>;
  entries: number;
}

/** The summary's key, as record_entry's columns give it. */
const KEY_OF_ENTRY = `nhs_number, entry_type, sensitivity_ever, COALESCE(attention->>'role', ''),
  COALESCE(attention->>'organisation', ''), COALESCE(source->>'organisation', ''), rule_payload`;

/**
 * Adds what one statement's rows now count and takes away what they counted before: only
 * current entries count, so taking one out of the record (entered in error) takes it away. A
 * statement that changes nothing the summary keys writes nothing.
 */
const summaryChangeSql = (counted: string): string => `
  INSERT INTO record_summary AS summary (nhs_number, entry_type, sensitivity, attention_role,
    attention_organisation, organisation, rule_payload, entries)
  SELECT ${KEY_OF_ENTRY}, sum(change)::int FROM (${counted}) changed
  GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(change) <> 0
  ORDER BY 1, 2, 3, 4, 5, 6, 7
  ON CONFLICT (nhs_number, entry_type, sensitivity, attention_role, attention_organisation,
    organisation, rule_payload)
  DO UPDATE SET entries = summary.entries + EXCLUDED.entries`;

/** A group whose last entry left is dropped, so that the summary never depends on the order things happened in. */
const EMPTIED_GROUPS_SQL = `DELETE FROM record_summary summary
  USING (SELECT DISTINCT nhs_number FROM old_rows) changed
  WHERE summary.nhs_number = changed.nhs_number AND summary.entries = 0;`;

const COLUMNS = `nhs_number, entry_type, sensitivity_ever, attention, source, rule_payload`;

/** The migration's DDL: the table, and the triggers on record_entry that keep it. */
export const RECORD_SUMMARY_DDL: readonly string[] = [
  `CREATE TABLE record_summary (
     nhs_number char(10) NOT NULL,
     entry_type text NOT NULL,
     sensitivity text[] NOT NULL,
     attention_role text NOT NULL,
     attention_organisation text NOT NULL,
     organisation text NOT NULL,
     rule_payload jsonb NOT NULL,
     entries int NOT NULL,
     PRIMARY KEY (nhs_number, entry_type, sensitivity, attention_role, attention_organisation,
                  organisation, rule_payload)
   )`,
  ...(
    [
      [
        'insert',
        'INSERT',
        'NEW TABLE AS new_rows',
        `SELECT ${COLUMNS}, 1 AS change FROM new_rows WHERE status = 'current'`,
      ],
      [
        'update',
        'UPDATE',
        'OLD TABLE AS old_rows NEW TABLE AS new_rows',
        `SELECT ${COLUMNS}, -1 AS change FROM old_rows WHERE status = 'current'
         UNION ALL SELECT ${COLUMNS}, 1 FROM new_rows WHERE status = 'current'`,
      ],
      [
        'delete',
        'DELETE',
        'OLD TABLE AS old_rows',
        `SELECT ${COLUMNS}, -1 AS change FROM old_rows WHERE status = 'current'`,
      ],
    ] as const
  ).flatMap(([name, event, transition, counted]) => [
    `CREATE FUNCTION record_summary_after_${name}() RETURNS trigger LANGUAGE plpgsql
       SET search_path FROM CURRENT AS $$
     BEGIN
       ${summaryChangeSql(counted)};
       ${name === 'insert' ? '' : EMPTIED_GROUPS_SQL}
       RETURN NULL;
     END $$`,
    `CREATE TRIGGER record_summary_after_${name} AFTER ${event} ON record_entry
       REFERENCING ${transition} FOR EACH STATEMENT EXECUTE FUNCTION record_summary_after_${name}()`,
  ]),
];
