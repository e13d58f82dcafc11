/**
 * A person with parental responsibility reading a child's record (docs/architecture.md, "Children"):
 * the policy is data, the decision a pure function of the facts the record API reads.
 */
export interface ParentalAccessPolicy {
  /**
   * From the child's birthday at this age, a parent reads only with the child's own consent
   * decision (a `ParentalAccessDecided` event); before it, parental responsibility suffices.
   */
  untilAge: number;
}

/** Documented default: until the child's 11th birthday, then by the child's consent. */
export const DEFAULT_PARENTAL_ACCESS_POLICY: ParentalAccessPolicy = { untilAge: 11 };

/** The child's decision about one parent's access, as its latest consent event says. */
export const PARENTAL_ACCESS_DECISIONS = ['allowed', 'refused'] as const;
export type ParentalAccessDecisionTerm = (typeof PARENTAL_ACCESS_DECISIONS)[number];

export interface ParentalFacts {
  /** The reader holds parental responsibility for the child now (recorded, not ended). */
  responsibility: boolean;
  /** When the child was born, as its recorded birth says; null when carelog holds none. */
  bornAt: Date | null;
  /** The child's own latest decision about this reader, or null when it has made none. */
  childDecision: ParentalAccessDecisionTerm | null;
}

export type ParentalAccessDecision =
  | { allowed: true }
  | {
      allowed: false;
      reason: 'no-parental-responsibility' | 'date-of-birth-unknown' | 'child-has-not-consented';
    };

/**
 * The instant the child reaches `age`, by the calendar date of birth in UTC (born on 29
 * February: from 1 March in a year that has none).
 */
export function birthdayAt(bornAt: Date, age: number): Date {
  return new Date(
    Date.UTC(bornAt.getUTCFullYear() + age, bornAt.getUTCMonth(), bornAt.getUTCDate()),
  );
}

/**
 * Deny by default: parental responsibility, a known date of birth, and then either the child
 * is younger than the policy's age or the child has allowed this reader. A child's decision
 * counts from that age (before it, responsibility alone decides).
 */
export function decideParentalAccess(
  facts: ParentalFacts,
  now: Date,
  policy: ParentalAccessPolicy = DEFAULT_PARENTAL_ACCESS_POLICY,
): ParentalAccessDecision {
  if (!facts.responsibility) return { allowed: false, reason: 'no-parental-responsibility' };
  if (facts.bornAt === null) return { allowed: false, reason: 'date-of-birth-unknown' };
  if (now < birthdayAt(facts.bornAt, policy.untilAge)) return { allowed: true };
  return facts.childDecision === 'allowed'
    ? { allowed: true }
    : { allowed: false, reason: 'child-has-not-consented' };
}
