import { rotateSigningKey, signingKeyFile } from '@carelog/audit';

/**
 * `npm run audit:rotate-key`: a new audit checkpoint signing key in the signing key's file;
 * the old key's public half is kept in the trusted-keys folder, so that every checkpoint it
 * signed still verifies. Restart the record API to sign with the new key.
 */
try {
  const { retired, current } = rotateSigningKey();
  process.stdout.write(
    `audit checkpoint key rotated in ${signingKeyFile()}: ${retired} retired (still trusted), ${current} signs from the next record API start\n`,
  );
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
