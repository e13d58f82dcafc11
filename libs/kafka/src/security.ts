import { readFileSync } from 'node:fs';
import { setting, type Environment } from '@carelog/config';
import type { KafkaConfig, OauthbearerProviderResponse, SASLOptions } from 'kafkajs';

/**
 * How a service connects to Kafka: plaintext for the local quick path; TLS and SASL for any
 * real cluster (a managed service, Strimzi, the local production profile). Each service has
 * its own principal, so the ACLs of `service-access.ts` apply to it and to nothing else.
 */
export type KafkaSecurityProtocol = 'plaintext' | 'ssl' | 'sasl_ssl' | 'sasl_plaintext';
export type KafkaSaslMechanism = 'scram-sha-512' | 'scram-sha-256' | 'oauthbearer';

/** A secret from its file (trailing newline dropped) or itself; the file wins. */
function secret(file: string | undefined, value: string | undefined): string | undefined {
  if (file) return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  return value;
}

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`${name} must be set for SASL authentication to Kafka`);
  return value;
}

/** Refreshed a minute before it expires; kafkajs re-authenticates with the new token. */
function clientCredentialsProvider(
  env: Environment | undefined,
): () => Promise<OauthbearerProviderResponse> {
  const tokenUrl = required(
    setting('CARELOG_KAFKA_OAUTH_TOKEN_URL', env),
    'CARELOG_KAFKA_OAUTH_TOKEN_URL',
  );
  const clientId = required(
    setting('CARELOG_KAFKA_OAUTH_CLIENT_ID', env),
    'CARELOG_KAFKA_OAUTH_CLIENT_ID',
  );
  const clientSecret = required(
    secret(
      setting('CARELOG_KAFKA_OAUTH_CLIENT_SECRET_FILE', env),
      setting('CARELOG_KAFKA_OAUTH_CLIENT_SECRET', env),
    ),
    'CARELOG_KAFKA_OAUTH_CLIENT_SECRET_FILE',
  );
  const scope = setting('CARELOG_KAFKA_OAUTH_SCOPE', env);
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

function saslOptions(env: Environment | undefined): SASLOptions {
  const mechanism: KafkaSaslMechanism = setting('CARELOG_KAFKA_SASL_MECHANISM', env);
  if (mechanism === 'oauthbearer')
    return { mechanism: 'oauthbearer', oauthBearerProvider: clientCredentialsProvider(env) };
  const username = required(setting('CARELOG_KAFKA_USERNAME', env), 'CARELOG_KAFKA_USERNAME');
  const password = required(
    secret(setting('CARELOG_KAFKA_PASSWORD_FILE', env), setting('CARELOG_KAFKA_PASSWORD', env)),
    'CARELOG_KAFKA_PASSWORD_FILE or CARELOG_KAFKA_PASSWORD',
  );
  return mechanism === 'scram-sha-256'
    ? { mechanism: 'scram-sha-256', username, password }
    : { mechanism: 'scram-sha-512', username, password };
}

/** The `ssl` and `sasl` parts of a kafkajs configuration, from the environment. */
export function kafkaSecurity(env?: Environment): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const protocol: KafkaSecurityProtocol = setting('CARELOG_KAFKA_SECURITY_PROTOCOL', env);
  const caFile = setting('CARELOG_KAFKA_CA_FILE', env);
  const tls = protocol === 'ssl' || protocol === 'sasl_ssl';
  return {
    ...(tls ? { ssl: caFile ? { ca: [readFileSync(caFile, 'utf8')] } : true } : {}),
    ...(protocol.startsWith('sasl_') ? { sasl: saslOptions(env) } : {}),
  };
}
