import { isSourceSystem, type AnyCaller } from '@carelog/auth';
import { DomainError, type EntryTypeRule, type WritingAuthor } from '@carelog/domain';

/** The envelope's author (and the event id's namespace) for a caller. */
export interface EntryAuthor {
  userId: string;
  role: string;
  profession: string;
  organisation: string;
  system: string;
}

/** The author role stamped on entries a source system sends. */
export const SYSTEM_AUTHOR_ROLE = 'system';

/**
 * Who an entry says wrote it. A person: as their token says. A source system: its client id as
 * `userId`, role and profession `system`, its organisation; the source system is its name.
 */
export function authorOf(caller: AnyCaller): EntryAuthor {
  if (isSourceSystem(caller))
    return {
      userId: caller.clientId,
      role: SYSTEM_AUTHOR_ROLE,
      profession: SYSTEM_AUTHOR_ROLE,
      organisation: caller.organisation,
      system: caller.system,
    };
  const { userId, role, profession, organisation, system } = caller;
  return { userId, role, profession, organisation, system };
}

/** The author as the relationship rules see it. */
export function writingAuthorOf(caller: AnyCaller): WritingAuthor {
  return isSourceSystem(caller)
    ? {
        kind: 'source-system',
        role: SYSTEM_AUTHOR_ROLE,
        organisation: caller.organisation,
        entryTypes: caller.entryTypes,
      }
    : { kind: 'person', role: caller.role, organisation: caller.organisation };
}

/**
 * A person may author the types their role's profession may; a source system the types its
 * registration lists (and only types a person of some role could author).
 */
export function requireMayAuthor(rule: EntryTypeRule, caller: AnyCaller): void {
  if (isSourceSystem(caller)) {
    if (!caller.entryTypes.includes(rule.type) || rule.authors.length === 0)
      throw new DomainError(
        rule.relationship?.provenance?.way === 'authoritative'
          ? 'relationship-start-not-permitted'
          : 'entry-type-not-registered',
        `this source system is not registered to send ${rule.type}`,
        'type',
      );
    return;
  }
  if (!rule.authors.includes(caller.role)) {
    throw new DomainError(
      'not-permitted-to-author',
      `the ${caller.role} role may not record ${rule.type}`,
      'type',
    );
  }
}
