import { DomainError } from '@carelog/domain';
import { DeciderSpecification, refusalOf } from './decider-specification';

/** A decider small enough to read: doubles a number below the limit it is given. */
const double = DeciderSpecification.for((value: number, limit: number) => {
  if (value >= limit) throw new DomainError('too-large', `must be below ${limit}`, 'value');
  return { doubled: value * 2 };
});

describe('DeciderSpecification', () => {
  it('passes a decision with the expected fields, and fails one without them', () => {
    expect(double.given(10).when(2).then({ doubled: 4 })).toEqual({ doubled: 4 });
    expect(() => double.given(10).when(2).then({ doubled: 5 })).toThrow();
    expect(() =>
      double
        .given(10)
        .when(2)
        .then(() => expect(1).toBe(2)),
    ).toThrow();
  });

  it('passes the refusal it names, and fails another code, another field or a decision', () => {
    expect(double.given(10).when(11).thenRefuses('too-large', 'value').message).toBe(
      'must be below 10',
    );
    expect(() => double.given(10).when(11).thenRefuses('too-small')).toThrow();
    expect(() => double.given(10).when(11).thenRefuses('too-large', 'limit')).toThrow();
    expect(() => double.given(10).when(2).thenRefuses('too-large')).toThrow(/decided/);
  });

  it('lets any other error through rather than calling it a refusal', () => {
    expect(() =>
      refusalOf(() => {
        throw new TypeError('a defect');
      }),
    ).toThrow(TypeError);
  });
});
