import { DomainError } from '../domain-error';

/**
 * Strings at the boundary. Free text (narratives, notes, reasons) may hold newlines and tabs;
 * nothing else may hold any control character. Everything is stored in Unicode NFC, so that
 * two spellings of the same text are one. Limits are in Unicode code points (README: "Input
 * limits").
 */
export type TextKind = 'free-text' | 'text';

export const TEXT_LIMITS: Readonly<Record<TextKind, number>> = {
  'free-text': 20_000,
  text: 1_000,
};

/**
 * C0 and C1 controls and DEL; bidirectional embeddings, overrides and isolates (which can make
 * text read differently from what it holds); U+FFFE and U+FFFF; lone surrogates (not text at
 * all: Postgres and UTF-8 cannot hold them).
 */
const FORBIDDEN_IN_FREE_TEXT =
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Short text also refuses tab, newline and the Unicode line and paragraph separators. */
const FORBIDDEN_IN_TEXT = new RegExp(
  `${FORBIDDEN_IN_FREE_TEXT.source}|[\\u0009\\u000A\\u2028\\u2029]`,
);

/** True if the text holds a character its kind forbids. */
export const hasForbiddenCharacter = (value: string, kind: TextKind): boolean =>
  (kind === 'free-text' ? FORBIDDEN_IN_FREE_TEXT : FORBIDDEN_IN_TEXT).test(value);

/** The number of code points (what a person counts as characters, near enough). */
export function codePointLength(value: string): number {
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdbff) length++;
  }
  return length;
}

/** The text in NFC, or a DomainError naming the field (`invalid-text`, `text-too-long`). */
export function parseText(
  value: unknown,
  field: string,
  kind: TextKind,
  maxLength = TEXT_LIMITS[kind],
): string {
  if (typeof value !== 'string') throw new DomainError('invalid-text', 'must be text', field);
  // Checked before normalising: NFC of a lone surrogate would hide it behind U+FFFD.
  if (hasForbiddenCharacter(value, kind))
    throw new DomainError(
      'invalid-text',
      kind === 'free-text'
        ? 'must not contain control characters other than newline and tab'
        : 'must not contain control characters, tabs or line breaks',
      field,
    );
  const normalised = value.normalize('NFC');
  if (codePointLength(normalised) > maxLength)
    throw new DomainError('text-too-long', `must be at most ${maxLength} characters`, field);
  return normalised;
}
