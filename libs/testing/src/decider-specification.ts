import { DomainError } from '@carelog/domain';

/** The refusal a decider gave (its DomainError); fails the test if it decided instead. */
export function refusalOf(decide: () => unknown): DomainError {
  try {
    decide();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal, but the decider decided');
}

/** What `then` checks: the fields the decision must have, or a check of its own. */
export type ExpectedDecision<Decision> = Record<string, unknown> | ((decision: Decision) => void);

export interface DecisionUnderTest<Decision> {
  /** The decision has these fields (toMatchObject), or passes the check; it is returned. */
  then(expected: ExpectedDecision<Decision>): Decision;
  /** The decider refuses with this code (and field, when given); the refusal is returned. */
  thenRefuses(code: string, field?: string): DomainError;
}

/**
 * Given/when/then for carelog's pure deciders, after emmett's DeciderSpecification: given the
 * facts a decider reads (its context: time, service, what is known of the task or entry), when
 * a command, then the decision it makes or the refusal it gives.
 *
 *   const acknowledgement = DeciderSpecification.for(decideAcknowledgement);
 *   acknowledgement.given(context).when(command).then({ type: 'AttentionAcknowledged' });
 *   acknowledgement.given(context).when(commandWithBadNote).thenRefuses('invalid-note', 'note');
 */
export const DeciderSpecification = {
  for<Command, Facts, Decision>(decide: (command: Command, facts: Facts) => Decision) {
    return {
      given: (facts: Facts) => ({
        when: (command: Command): DecisionUnderTest<Decision> => ({
          then(expected) {
            const decision = decide(command, facts);
            if (typeof expected === 'function') expected(decision);
            else expect(decision).toMatchObject(expected);
            return decision;
          },
          thenRefuses(code, field) {
            const refusal = refusalOf(() => decide(command, facts));
            expect(
              field === undefined
                ? { code: refusal.code }
                : { code: refusal.code, field: refusal.field },
            ).toEqual(field === undefined ? { code } : { code, field });
            return refusal;
          },
        }),
      }),
    };
  },
};
