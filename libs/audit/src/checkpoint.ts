import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import type { AuditCheckpointSigned } from '@carelog/codec';
import { setting } from '@carelog/config';
import { canonicalJson } from './chain';

/**
 * Signed checkpoints of the audit chain's head (docs/architecture.md, "Break-glass, privacy officers,
 * audit"): at a time, the trail held `count` rows and row `count` had hash `headHash`. The
 * chain alone cannot show rows cut off its end, every row deleted, or a trail re-chained
 * from an edited row on: a checkpoint signed with a key the database does not hold can.
 */
export const CHECKPOINT_ALGORITHM = 'Ed25519';

/** The head of a trail as read from Postgres. */
export interface ChainHead {
  trail: string;
  count: number;
  headHash: string;
}

/**
 * Where the signing key is kept: CARELOG_AUDIT_SIGNING_KEY_FILE, else (local mode)
 * `.local/audit/checkpoint-signing-key.pem`, created on first use. In production point it at
 * a secret mounted into the record API only, never on the database host.
 */
export const signingKeyFile = (): string =>
  setting('CARELOG_AUDIT_SIGNING_KEY_FILE') ??
  join(setting('CARELOG_LOCAL_DIR'), 'audit', 'checkpoint-signing-key.pem');

/** Earlier keys' public halves, kept so that their checkpoints still verify after a rotation. */
export const trustedKeysDir = (): string =>
  setting('CARELOG_AUDIT_TRUSTED_KEYS_DIR') ?? join(dirname(signingKeyFile()), 'trusted');

/** The checkpoint log: one signed checkpoint a line (JSON), beside the Kafka topic. */
export function checkpointLogFile(): string | undefined {
  const configured = setting('CARELOG_AUDIT_CHECKPOINT_LOG');
  if (configured === 'off') return undefined;
  return configured ?? join(setting('CARELOG_LOCAL_DIR'), 'audit', 'checkpoints.jsonl');
}

/** First 16 hex digits of sha256 of the public key's SubjectPublicKeyInfo (DER). */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** The bytes a checkpoint's signature covers: canonical JSON of everything but the signature. */
export function signedContent(checkpoint: Omit<AuditCheckpointSigned, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({
      trail: checkpoint.trail,
      count: checkpoint.count,
      headHash: checkpoint.headHash,
      signedAt: checkpoint.signedAt.toISOString(),
      keyId: checkpoint.keyId,
      algorithm: checkpoint.algorithm,
    }),
    'utf8',
  );
}

/** Signs checkpoints with one Ed25519 private key. */
export class CheckpointSigner {
  readonly keyId: string;

  constructor(private readonly privateKey: KeyObject) {
    if (privateKey.asymmetricKeyType !== 'ed25519')
      throw new Error('the audit checkpoint signing key must be an Ed25519 private key');
    this.keyId = keyIdOf(createPublicKey(privateKey));
  }

  get publicKey(): KeyObject {
    return createPublicKey(this.privateKey);
  }

  sign(head: ChainHead, signedAt: Date): AuditCheckpointSigned {
    const unsigned = { ...head, signedAt, keyId: this.keyId, algorithm: CHECKPOINT_ALGORITHM };
    const signature = sign(null, signedContent(unsigned), this.privateKey).toString('base64url');
    return { ...unsigned, signature };
  }
}

export type SignatureVerdict = 'valid' | 'unknown-key' | 'bad-signature';

/** The public keys a verifier accepts checkpoints from, by key id. */
export class TrustedKeys {
  private readonly byId = new Map<string, KeyObject>();

  constructor(keys: readonly KeyObject[]) {
    for (const key of keys) this.byId.set(keyIdOf(key), key);
  }

  get keyIds(): string[] {
    return [...this.byId.keys()];
  }

  check(checkpoint: AuditCheckpointSigned): SignatureVerdict {
    const key = this.byId.get(checkpoint.keyId);
    if (!key || checkpoint.algorithm !== CHECKPOINT_ALGORITHM) return 'unknown-key';
    const valid = verify(
      null,
      signedContent(checkpoint),
      key,
      Buffer.from(checkpoint.signature, 'base64url'),
    );
    return valid ? 'valid' : 'bad-signature';
  }
}

function newKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/**
 * The signing key from CARELOG_AUDIT_SIGNING_KEY (PEM, from a secret store) or its file;
 * the local default file is created on first use (exclusive create, so concurrent first
 * starts agree on one key). A configured file that does not exist is an error.
 */
export function loadSigningKey(): CheckpointSigner {
  const pem = setting('CARELOG_AUDIT_SIGNING_KEY');
  if (pem) return new CheckpointSigner(createPrivateKey(pem));
  const file = signingKeyFile();
  if (!existsSync(file)) {
    if (setting('CARELOG_AUDIT_SIGNING_KEY_FILE'))
      throw new Error(`the audit checkpoint signing key ${file} does not exist`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, newKeyPem(), { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return new CheckpointSigner(createPrivateKey(readFileSync(file, 'utf8')));
}

/**
 * The keys `audit:verify` trusts: CARELOG_AUDIT_TRUSTED_KEYS (comma-separated PEM files,
 * public or private), else the public half of the signing key (when this host has it) and
 * every `*.pem` in the trusted-keys folder (earlier keys, kept there by a rotation).
 */
export function loadTrustedKeys(): TrustedKeys {
  const configured = setting('CARELOG_AUDIT_TRUSTED_KEYS');
  const files = configured
    ? configured
    : [
        ...(existsSync(signingKeyFile()) ? [signingKeyFile()] : []),
        ...(existsSync(trustedKeysDir())
          ? readdirSync(trustedKeysDir())
              .filter((name) => name.endsWith('.pem'))
              .map((name) => join(trustedKeysDir(), name))
          : []),
      ];
  const keys = files.map((file) => createPublicKey(readFileSync(file, 'utf8')));
  const pem = setting('CARELOG_AUDIT_SIGNING_KEY');
  if (pem && !configured) keys.push(createPublicKey(pem));
  return new TrustedKeys(keys);
}

/**
 * `npm run audit:rotate-key`: keeps the current key's public half in the trusted-keys folder
 * (so every checkpoint it signed still verifies) and puts a new key in the signing key's
 * file. Running record APIs pick the new key up when they next start.
 */
export function rotateSigningKey(): { retired: string; current: string } {
  const file = signingKeyFile();
  const old = loadSigningKey();
  mkdirSync(trustedKeysDir(), { recursive: true });
  writeFileSync(
    join(trustedKeysDir(), `${old.keyId}.pub.pem`),
    old.publicKey.export({ type: 'spki', format: 'pem' }),
  );
  const next = `${file}.next`;
  writeFileSync(next, newKeyPem(), { mode: 0o600 });
  renameSync(next, file);
  return { retired: old.keyId, current: loadSigningKey().keyId };
}
