import { SOURCE_DOMAINS, type SourceDomain } from '@carelog/domain';

export const isSourceDomain = (value: string): value is SourceDomain =>
  (SOURCE_DOMAINS as readonly string[]).includes(value);
