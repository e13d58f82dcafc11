import { Client } from 'pg';
import { failureName } from './polling-loop';

export interface PgListenerOptions {
  /** The database, as the service's own role (`DATABASE_URL`). */
  connectionString: string | undefined;
  /** The channel a writer notifies (`pg_notify(channel, '')` in its transaction). */
  channel: string;
  /** Told of every notification, and once after each reconnection (one may have been missed). */
  onNotify(): void;
  /** How long after a lost connection it connects again; default 1 s. */
  reconnectMs?: number;
  logger: { warn(message: string): void };
}

/**
 * Postgres LISTEN on one dedicated connection, so that a loop which would otherwise poll is
 * woken when a writer commits (NOTIFY is delivered at commit, never for a rolled-back
 * transaction). A lost connection is made again after `reconnectMs`, and the listener is
 * then told once, since a notification may have come while it was away; loops keep a long
 * fallback interval for anything else.
 */
export class PgListener {
  private client: Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly options: PgListenerOptions) {}

  /** Listening now (connected and LISTEN answered). */
  get isListening(): boolean {
    return this.client !== undefined;
  }

  /** Connects and listens; a failure is logged and retried, never thrown. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(again: boolean): Promise<void> {
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: `carelog-listen-${this.options.channel}`.slice(0, 63),
    });
    const lost = (error?: unknown) => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (error) this.options.logger.warn(`LISTEN connection lost: ${failureName(error)}`);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => {
      if (message.channel === this.options.channel) this.options.onNotify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel.replaceAll('"', '""')}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.options.logger.warn(`LISTEN failed: ${failureName(error)}; trying again`);
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (again) this.options.onNotify();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(true), this.options.reconnectMs ?? 1000);
    this.retry.unref();
  }
}
