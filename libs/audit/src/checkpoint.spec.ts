import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CheckpointSigner,
  loadSigningKey,
  loadTrustedKeys,
  rotateSigningKey,
  TrustedKeys,
} from './checkpoint';

const head = { trail: 'audit', count: 42, headHash: 'ab'.repeat(32) };
const newSigner = () => new CheckpointSigner(generateKeyPairSync('ed25519').privateKey);

describe('audit checkpoint signatures', () => {
  it('verifies a checkpoint signed with a trusted key', () => {
    const signer = newSigner();
    const checkpoint = signer.sign(head, new Date('2026-06-01T12:00:00.000Z'));
    expect(checkpoint).toMatchObject({ ...head, keyId: signer.keyId, algorithm: 'Ed25519' });
    expect(new TrustedKeys([signer.publicKey]).check(checkpoint)).toBe('valid');
  });

  it.each([
    ['count', { count: 41 }],
    ['head hash', { headHash: 'cd'.repeat(32) }],
    ['time', { signedAt: new Date('2026-06-01T12:00:00.001Z') }],
    ['trail', { trail: 'audit_copy' }],
  ])('refuses a checkpoint whose %s was changed after signing', (_, change) => {
    const signer = newSigner();
    const checkpoint = { ...signer.sign(head, new Date('2026-06-01T12:00:00.000Z')), ...change };
    expect(new TrustedKeys([signer.publicKey]).check(checkpoint)).toBe('bad-signature');
  });

  it('does not accept a key that merely claims a trusted key id', () => {
    const trusted = newSigner();
    const forger = newSigner();
    const forged = { ...forger.sign(head, new Date()), keyId: trusted.keyId };
    expect(new TrustedKeys([trusted.publicKey]).check(forged)).toBe('bad-signature');
    expect(new TrustedKeys([trusted.publicKey]).check(forger.sign(head, new Date()))).toBe(
      'unknown-key',
    );
  });

  it('refuses a signing key that is not Ed25519', () => {
    expect(
      () => new CheckpointSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
    ).toThrow(/Ed25519/);
  });
});

describe('the signing key file and its rotation', () => {
  let dir: string;
  const saved = { ...process.env };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'carelog-audit-key-'));
    delete process.env['CARELOG_AUDIT_SIGNING_KEY'];
    delete process.env['CARELOG_AUDIT_TRUSTED_KEYS'];
    delete process.env['CARELOG_AUDIT_TRUSTED_KEYS_DIR'];
    delete process.env['CARELOG_AUDIT_SIGNING_KEY_FILE'];
    process.env['CARELOG_LOCAL_DIR'] = dir;
  });

  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the local key once and reuses it', () => {
    const first = loadSigningKey();
    expect(existsSync(join(dir, 'audit', 'checkpoint-signing-key.pem'))).toBe(true);
    expect(loadSigningKey().keyId).toBe(first.keyId);
  });

  it('refuses to start with a configured key file that does not exist', () => {
    process.env['CARELOG_AUDIT_SIGNING_KEY_FILE'] = join(dir, 'missing.pem');
    expect(() => loadSigningKey()).toThrow(/does not exist/);
  });

  it('after a rotation signs with the new key and still trusts checkpoints of the old one', () => {
    const old = loadSigningKey();
    const before = old.sign(head, new Date());
    const { retired, current } = rotateSigningKey();
    expect(retired).toBe(old.keyId);
    expect(current).not.toBe(old.keyId);
    expect(loadSigningKey().keyId).toBe(current);
    expect(readdirSync(join(dir, 'audit', 'trusted'))).toEqual([`${old.keyId}.pub.pem`]);
    const trusted = loadTrustedKeys();
    expect(trusted.check(before)).toBe('valid');
    expect(trusted.check(loadSigningKey().sign(head, new Date()))).toBe('valid');
    expect(trusted.check(newSigner().sign(head, new Date()))).toBe('unknown-key');
  });
});
