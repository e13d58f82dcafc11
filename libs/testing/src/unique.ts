import { randomBytes } from 'node:crypto';

/** A name no other test (or earlier run) uses: for topics, groups, schemas. */
export const uniqueName = (prefix: string): string =>
  `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
