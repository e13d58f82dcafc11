import { isValidNhsNumber, parseNhsNumber } from './nhs-number';
import { DomainError } from './domain-error';

describe('NHS number', () => {
  it.each(['9434765919', '9434765870', '4010232137'])(
    'accepts %s, whose check digit is right',
    (value) => {
      expect(isValidNhsNumber(value)).toBe(true);
    },
  );

  it.each([
    ['9434765918', 'a wrong check digit'],
    ['943476591', 'nine digits'],
    ['94347659199', 'eleven digits'],
    ['943476591X', 'a letter'],
    ['0000000060', 'a check digit that computes to 10'],
  ])('rejects %s (%s)', (value) => {
    expect(isValidNhsNumber(value)).toBe(false);
  });

  it('names the field and a stable code, without echoing the number', () => {
    let thrown: unknown;
    try {
      parseNhsNumber('9434765918');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({ code: 'invalid-nhs-number', field: 'patient.nhsNumber' });
    expect((thrown as Error).message).not.toContain('9434765918');
  });
});
