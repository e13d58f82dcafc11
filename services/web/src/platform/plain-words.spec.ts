import { inPlainWords } from './plain-words';

describe('problems in plain words', () => {
  it('says a known code in words, never the code itself', () => {
    const words = inPlainWords({ status: 404, code: 'patient-not-found' });
    expect(words).toBe('We could not find a record you can see for that NHS number.');
  });

  it('names the field of an unknown validation problem', () => {
    expect(
      inPlainWords({
        status: 400,
        code: 'something-new',
        field: 'payload.note',
        detail: 'is too long',
      }),
    ).toBe('Check the note: it is too long.');
  });

  it('says a server failure without detail', () => {
    expect(inPlainWords({ status: 503, code: 'unheard-of' })).toBe(
      'Something went wrong in carelog. Try again in a minute.',
    );
  });
});
