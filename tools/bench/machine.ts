import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { KAFKA_VERSION } from '@carelog/local-infra';
import { Client } from 'pg';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  kafkajs: string;
  kafka: string;
  postgres: string;
  /** 1-minute load average when the run started and when it ended. */
  loadAtStart: number;
  loadAtEnd?: number;
}

function packageVersion(name: string): string {
  const file = require.resolve(`${name}/package.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

export async function describeMachine(databaseUrl: string): Promise<MachineInfo> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  const postgres = await client
    .query<{ server_version: string }>('SHOW server_version')
    .finally(() => client.end());
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    kafkajs: packageVersion('kafkajs'),
    kafka: KAFKA_VERSION,
    postgres: postgres.rows[0]?.server_version ?? 'unknown',
    loadAtStart: loadavg()[0] ?? 0,
  };
}
