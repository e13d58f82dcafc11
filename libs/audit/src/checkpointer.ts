import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditCheckpointSigned } from '@carelog/codec';
import { setting } from '@carelog/config';
import { AUDIT_CHECKPOINTS_TOPIC } from '@carelog/kafka';
import { PollingLoop } from '@carelog/nest-platform';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { auditSchema } from './audit-data-source';
import { AuditPublisher } from './audit-publisher';
import { chainLockName } from './audit-trail';
import { GENESIS_HASH } from './chain';
import { checkpointLogFile, type ChainHead, type CheckpointSigner } from './checkpoint';

/** CARELOG_AUDIT_CHECKPOINT_SECONDS: how often the record API signs the chain's head. */
export function checkpointIntervalMs(): number {
  return setting('CARELOG_AUDIT_CHECKPOINT_SECONDS') * 1000;
}

/**
 * The row a trail ends with now (count 0 and the genesis hash for an empty trail), and the
 * database's time of reading it. Read under the chain's append lock, so that checkpoints
 * made by several record APIs at once never count fewer rows than an earlier-timed one.
 */
export function readChainHead(
  dataSource: DataSource,
  schema: string,
  trail = schema,
): Promise<{ head: ChainHead; at: Date }> {
  return dataSource.transaction(async (manager) => {
    await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [chainLockName(schema)]);
    const [row] = await manager.query<Array<{ seq: string; hash: string }>>(
      `SELECT seq, hash FROM "${schema}".access_event ORDER BY seq DESC LIMIT 1`,
    );
    const [clock] = await manager.query<Array<{ now: Date }>>('SELECT clock_timestamp() AS now');
    return {
      head: { trail, count: row ? Number(row.seq) : 0, headHash: row?.hash ?? GENESIS_HASH },
      at: clock?.now ?? new Date(),
    };
  });
}

/** Appends one checkpoint to the log file (one JSON line; created with its folder if need be). */
export function appendCheckpointLog(file: string, checkpoint: AuditCheckpointSigned): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(
    file,
    `${JSON.stringify({ ...checkpoint, signedAt: checkpoint.signedAt.toISOString() })}\n`,
  );
}

export interface CheckpointerOptions {
  schema?: string;
  /** The trail's name in its checkpoints; the schema's by default. */
  trail?: string;
  topic?: string;
  /** The checkpoint log; undefined for none. Defaults to checkpointLogFile(). */
  logFile?: string | null;
  intervalMs?: number;
}

/**
 * Signs the head of the audit chain every interval and once more on stop, and publishes
 * each checkpoint to the checkpoints topic (acks=all) and appends it to the checkpoint log.
 * Several instances may run at once: each checkpoint is a true statement on its own.
 */
export class AuditCheckpointer {
  private readonly publisher: AuditPublisher;
  private loop: PollingLoop<AuditCheckpointSigned> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    kafka: Kafka,
    private readonly signer: CheckpointSigner,
    private readonly options: CheckpointerOptions = {},
  ) {
    this.publisher = new AuditPublisher(kafka, () => this.topic);
  }

  private get schema(): string {
    return this.options.schema ?? auditSchema();
  }

  private get topic(): string {
    return this.options.topic ?? AUDIT_CHECKPOINTS_TOPIC;
  }

  /** Signs the head as it stands now, publishes it and appends it to the log. */
  async checkpoint(): Promise<AuditCheckpointSigned> {
    const { head, at } = await readChainHead(this.dataSource, this.schema, this.options.trail);
    const checkpoint = this.signer.sign(head, at);
    await this.publisher.publish('AuditCheckpointSigned', checkpoint.trail, checkpoint);
    const log = this.options.logFile === undefined ? checkpointLogFile() : this.options.logFile;
    if (log) appendCheckpointLog(log, checkpoint);
    return checkpoint;
  }

  /** Checkpoints every interval; a failed round is logged and the next one tries again. */
  start(logger: { warn(message: string): void }): void {
    this.loop = new PollingLoop({
      name: 'audit checkpoint',
      run: () => this.checkpoint(),
      intervalMs: this.options.intervalMs ?? checkpointIntervalMs(),
      logger,
    });
    this.loop.start();
  }

  /** Stops the timer, writes a last checkpoint (the head at shutdown) and disconnects. */
  async stop(): Promise<AuditCheckpointSigned> {
    await this.loop?.stop();
    try {
      return await this.checkpoint();
    } finally {
      await this.publisher.disconnect();
    }
  }
}
