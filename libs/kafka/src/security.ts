import { readFileSync } from 'node:fs';
import type { KafkaConfig, OauthbearerProviderResponse, SASLOptions } from 'kafkajs';

/**
 * How a service connects to Kafka: plaintext for the local quick path; TLS and SASL for any
 * real cluster (a managed service, Strimzi, the local production profile). Each service has
 * its own principal, so the ACLs of `service-access.ts` apply to it and to nothing else.
 */
export type KafkaSecurityProtocol = 'plaintext' | 'ssl' | 'sasl_ssl' | 'sasl_plaintext';
export type KafkaSaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'oauthbearer';

export const KAFKA_SECURITY_SETTINGS = {
  CARELOG_KAFKA_SECURITY_PROTOCOL:
    '`plaintext` (default), `ssl`, `sasl_ssl` or `sasl_plaintext` (the last for tests only)',
  CARELOG_KAFKA_CA_FILE: 'PEM file of the CAs to trust for the brokers (default: the system CAs)',
  CARELOG_KAFKA_SASL_MECHANISM: '`scram-sha-512` (default), `scram-sha-256` or `oauthbearer`',
  CARELOG_KAFKA_USERNAME: "the service's own principal (SCRAM user name)",
  CARELOG_KAFKA_PASSWORD_FILE:
    "a file holding the principal's password (or CARELOG_KAFKA_PASSWORD)",
  CARELOG_KAFKA_OAUTH_TOKEN_URL:
    'OAUTHBEARER: the token endpoint a client-credentials grant is made to',
  CARELOG_KAFKA_OAUTH_CLIENT_ID: "OAUTHBEARER: the service's client id",
  CARELOG_KAFKA_OAUTH_CLIENT_SECRET_FILE:
    'OAUTHBEARER: a file holding its client secret (or CARELOG_KAFKA_OAUTH_CLIENT_SECRET)',
  CARELOG_KAFKA_OAUTH_SCOPE: 'OAUTHBEARER: the scope asked for (optional)',
} as const;

const PROTOCOLS: readonly KafkaSecurityProtocol[] = [
  'plaintext',
  'ssl',
  'sasl_ssl',
  'sasl_plaintext',
];
const MECHANISMS: readonly KafkaSaslMechanism[] = ['scram-sha-512', 'scram-sha-256', 'oauthbearer'];

/** A secret from `<NAME>_FILE` (trailing newline dropped) or `<NAME>`; the file wins. */
function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  return env[name] || undefined;
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} must be set for SASL authentication to Kafka`);
  return value;
}

/** Refreshed a minute before it expires; kafkajs re-authenticates with the new token. */
function clientCredentialsProvider(
  env: NodeJS.ProcessEnv,
): () => Promise<OauthbearerProviderResponse> {
  const tokenUrl = required(env['CARELOG_KAFKA_OAUTH_TOKEN_URL'], 'CARELOG_KAFKA_OAUTH_TOKEN_URL');
  const clientId = required(env['CARELOG_KAFKA_OAUTH_CLIENT_ID'], 'CARELOG_KAFKA_OAUTH_CLIENT_ID');
  const clientSecret = required(
    secret(env, 'CARELOG_KAFKA_OAUTH_CLIENT_SECRET'),
    'CARELOG_KAFKA_OAUTH_CLIENT_SECRET_FILE',
  );
  const scope = env['CARELOG_KAFKA_OAUTH_SCOPE'];
  let cached: { value: string; refreshAt: number } | undefined;
  return async () => {
    if (cached && Date.now() < cached.refreshAt) return { value: cached.value };
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) body.set('scope', scope);
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      },
      body,
    });
    if (!response.ok) throw new Error(`Kafka OAuth token endpoint answered ${response.status}`);
    const token = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof token.access_token !== 'string')
      throw new Error('Kafka OAuth token endpoint answered no access_token');
    const lifetimeS = typeof token.expires_in === 'number' ? token.expires_in : 300;
    cached = {
      value: token.access_token,
      refreshAt: Date.now() + Math.max(lifetimeS - 60, lifetimeS / 2) * 1000,
    };
    return { value: cached.value };
  };
}

function saslOptions(env: NodeJS.ProcessEnv): SASLOptions {
  const mechanism = (env['CARELOG_KAFKA_SASL_MECHANISM'] ?? 'scram-sha-512').toLowerCase();
  if (!MECHANISMS.includes(mechanism as KafkaSaslMechanism))
    throw new Error(`CARELOG_KAFKA_SASL_MECHANISM must be one of ${MECHANISMS.join(', ')}`);
  if (mechanism === 'oauthbearer')
    return { mechanism: 'oauthbearer', oauthBearerProvider: clientCredentialsProvider(env) };
  const username = required(env['CARELOG_KAFKA_USERNAME'], 'CARELOG_KAFKA_USERNAME');
  const password = required(
    secret(env, 'CARELOG_KAFKA_PASSWORD'),
    'CARELOG_KAFKA_PASSWORD_FILE or CARELOG_KAFKA_PASSWORD',
  );
  return mechanism === 'scram-sha-256'
    ? { mechanism: 'scram-sha-256', username, password }
    : { mechanism: 'scram-sha-512', username, password };
}

/** The `ssl` and `sasl` parts of a kafkajs configuration, from the environment. */
export function kafkaSecurity(
  env: NodeJS.ProcessEnv = process.env,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const protocol = (env['CARELOG_KAFKA_SECURITY_PROTOCOL'] ?? 'plaintext').toLowerCase();
  if (!PROTOCOLS.includes(protocol as KafkaSecurityProtocol))
    throw new Error(`CARELOG_KAFKA_SECURITY_PROTOCOL must be one of ${PROTOCOLS.join(', ')}`);
  const caFile = env['CARELOG_KAFKA_CA_FILE'];
  const tls = protocol === 'ssl' || protocol === 'sasl_ssl';
  return {
    ...(tls ? { ssl: caFile ? { ca: [readFileSync(caFile, 'utf8')] } : true } : {}),
    ...(protocol.startsWith('sasl_') ? { sasl: saslOptions(env) } : {}),
  };
}
