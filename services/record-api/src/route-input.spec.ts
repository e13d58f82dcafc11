import { DomainError } from '@carelog/domain';
import { optionalText, requiredText } from './route-input';

const refusal = (run: () => unknown): string | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? `${error.code} ${error.field ?? ''}`.trim() : 'other';
  }
};

describe('requiredText, the record API routes’ short text', () => {
  it('given 2,000 characters outside the Basic Multilingual Plane (4,000 UTF-16 units), then it is accepted, as the schema’s maxLength of 2,000 accepts it', () => {
    const text = '🩺'.repeat(2000);
    expect(text.length).toBe(4000);
    expect(requiredText(text, 'note')).toBe(text);
  });

  it('given 2,001 characters, then it is refused naming the field', () => {
    expect(refusal(() => requiredText('🩺'.repeat(2001), 'note'))).toBe('invalid-note note');
    expect(refusal(() => requiredText('a'.repeat(2001), 'note'))).toBe('invalid-note note');
  });

  it('given nothing but white space, or not text, then it is refused', () => {
    expect(refusal(() => requiredText(' \n\t', 'note'))).toBe('invalid-note note');
    expect(refusal(() => requiredText(42, 'note'))).toBe('invalid-note note');
    expect(refusal(() => optionalText('', 'note'))).toBe('invalid-note note');
    expect(optionalText(null, 'note')).toBeNull();
  });
});
