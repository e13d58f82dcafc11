import type { DataSource } from 'typeorm';
import { migrateRecordApiSchema, RECORD_API_SCHEMA } from '../record-api-schema';

const SCHEMA = RECORD_API_SCHEMA;

/**
 * "Where I last looked": one mark per reader (user) and patient. The reader sets it, and it
 * moves forward when they acknowledge a task for the patient.
 */
export class JournalMarks {
  constructor(private readonly dataSource: DataSource) {}

  async migrate(): Promise<void> {
    await migrateRecordApiSchema(this.dataSource, [
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.journal_mark (
         user_id text NOT NULL,
         nhs_number char(10) NOT NULL,
         marked_at timestamptz NOT NULL,
         PRIMARY KEY (user_id, nhs_number)
       )`,
    ]);
  }

  async get(userId: string, nhsNumber: string): Promise<Date | null> {
    const [row] = await this.dataSource.query<Array<{ marked_at: Date }>>(
      `SELECT marked_at FROM ${SCHEMA}.journal_mark WHERE user_id = $1 AND nhs_number = $2`,
      [userId, nhsNumber],
    );
    return row ? new Date(row.marked_at) : null;
  }

  /** The reader sets their mark (forward or back). */
  async set(userId: string, nhsNumber: string, at: Date): Promise<Date> {
    await this.dataSource.query(
      `INSERT INTO ${SCHEMA}.journal_mark (user_id, nhs_number, marked_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, nhs_number) DO UPDATE SET marked_at = EXCLUDED.marked_at`,
      [userId, nhsNumber, at],
    );
    return at;
  }

  /** An acknowledgement moves the mark forward to it, never back (atomically). */
  async acknowledged(userId: string, nhsNumber: string, at: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO ${SCHEMA}.journal_mark (user_id, nhs_number, marked_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, nhs_number)
       DO UPDATE SET marked_at = GREATEST(${SCHEMA}.journal_mark.marked_at, EXCLUDED.marked_at)`,
      [userId, nhsNumber, at],
    );
  }
}
