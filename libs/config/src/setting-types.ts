import { z } from 'zod';

/**
 * The kinds of value a setting can hold. Each is a zod schema from the raw text (never empty:
 * an empty variable counts as unset) to the typed value, the default applied when it is unset,
 * and the words a refusal and the README use for it ("<NAME> must be <expected>").
 */
export interface SettingType<T> {
  readonly schema: z.ZodType<T, string | undefined>;
  /** What a valid value is, completing "<NAME> must be …". */
  readonly expected: string;
  /** The default as the README shows it; undefined: none (the setting is unset). */
  readonly defaultText: string | undefined;
  /** The default is a value (shown as code), not words about one. */
  readonly defaultIsValue: boolean;
}

const number = (check: (value: number) => boolean, expected: string) =>
  z
    .string()
    .trim()
    .transform((text) => (text === '' ? Number.NaN : Number(text)))
    .refine(check, expected);

function withDefault<T>(
  schema: z.ZodType<T, string>,
  expected: string,
  fallback: T | undefined,
  words?: string,
): SettingType<T> | SettingType<T | undefined> {
  const defaultText = words ?? (fallback === undefined ? undefined : String(fallback));
  const defaultIsValue = words === undefined;
  return fallback === undefined
    ? { schema: schema.optional(), expected, defaultText, defaultIsValue }
    : {
        schema: schema.optional().transform((value) => value ?? fallback),
        expected,
        defaultText,
        defaultIsValue,
      };
}

type Typed<T, D> = SettingType<D extends undefined ? T | undefined : T>;

/** A number above 0 (fractions allowed: 0.5 hours is half an hour). */
export const positiveNumber = <D extends number | undefined>(fallback: D, max?: number) =>
  withDefault(
    number(
      (value) => Number.isFinite(value) && value > 0 && (max === undefined || value <= max),
      max === undefined ? 'a positive number' : `a positive number of at most ${max}`,
    ),
    max === undefined ? 'a positive number' : `a positive number of at most ${max}`,
    fallback,
  ) as Typed<number, D>;

/** A number, 0 or more. */
export const nonNegativeNumber = <D extends number | undefined>(fallback: D) =>
  withDefault(
    number((value) => Number.isFinite(value) && value >= 0, 'a number, 0 or more'),
    'a number, 0 or more',
    fallback,
  ) as Typed<number, D>;

/** A whole number above 0. */
export const positiveWhole = <D extends number | undefined>(fallback: D) =>
  withDefault(
    number((value) => Number.isInteger(value) && value > 0, 'a positive whole number'),
    'a positive whole number',
    fallback,
  ) as Typed<number, D>;

/** A whole number from `min` to `max` (inclusive). */
export const wholeNumber = <D extends number | undefined>(
  fallback: D,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) => {
  const expected =
    max === Number.MAX_SAFE_INTEGER
      ? `a whole number, ${min} or more`
      : `a whole number from ${min} to ${max}`;
  return withDefault(
    number((value) => Number.isInteger(value) && value >= min && value <= max, expected),
    expected,
    fallback,
  ) as Typed<number, D>;
};

/** A TCP port. */
export const port = (fallback: number) =>
  withDefault(
    number((value) => Number.isInteger(value) && value > 0 && value < 65536, 'a port'),
    'a port (1 to 65535)',
    fallback,
  ) as SettingType<number>;

/** One of the given words (compared in lower case). */
export const oneOf = <
  const W extends readonly [string, ...string[]],
  D extends W[number] | undefined,
>(
  words: W,
  fallback: D,
) => {
  const expected = words.length === 2 ? `${words[0]} or ${words[1]}` : `one of ${words.join(', ')}`;
  const known: readonly string[] = words;
  return withDefault<string>(
    z
      .string()
      .trim()
      .transform((text) => text.toLowerCase())
      .refine((text) => known.includes(text), expected),
    expected,
    fallback,
  ) as unknown as Typed<W[number], D>;
};

/** An http(s) URL; a trailing slash is dropped. */
export const httpUrl = <D extends string | undefined>(fallback: D, defaultText?: string) =>
  withDefault(
    z
      .string()
      .trim()
      .refine((text) => /^https?:\/\/[^\s/]+/.test(text) && URL.canParse(text), 'an http(s) URL')
      .transform((text) => text.replace(/\/+$/, '')),
    'an http(s) URL',
    fallback,
    defaultText,
  ) as Typed<string, D>;

/** Any text (a name, a path, a connection string); `defaultText` where the default is worked out. */
export const text = <D extends string | undefined>(fallback: D, defaultText?: string) =>
  withDefault(z.string(), 'text', fallback, defaultText) as Typed<string, D>;

/** Comma-separated items, trimmed, empty ones dropped. */
export const list = <D extends readonly string[] | undefined>(fallback: D) =>
  withDefault(
    z.string().transform((text) =>
      text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    ),
    'a comma-separated list',
    fallback as string[] | undefined,
  ) as Typed<readonly string[], D>;

/** JSON text (parsed by the code that uses it, which checks its shape). */
export const jsonText = () =>
  withDefault(
    z.string().refine((text) => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    }, 'JSON'),
    'JSON',
    undefined,
  ) as SettingType<string | undefined>;

/** `on` or `off` (also true/false, yes/no, 1/0). */
export const onOff = <D extends boolean | undefined>(fallback: D, defaultText?: string) =>
  withDefault(
    z
      .string()
      .trim()
      .transform((text) => text.toLowerCase())
      .refine((text) => ON.includes(text) || OFF.includes(text), 'on or off')
      .transform((text) => ON.includes(text)),
    'on or off',
    fallback,
    defaultText ?? (fallback === undefined ? undefined : fallback ? '`on`' : '`off`'),
  ) as Typed<boolean, D>;
const ON = ['on', 'true', 'yes', '1'];
const OFF = ['off', 'false', 'no', '0'];

/** A key of `bytes` bytes, base64url-encoded; the value is the decoded bytes. */
export const base64urlKey = (bytes: number, defaultText: string) =>
  withDefault(
    z
      .string()
      .trim()
      .refine(
        (text) => /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, 'base64url').length === bytes,
        `${bytes} bytes, base64url-encoded`,
      )
      .transform((text) => new Uint8Array(Buffer.from(text, 'base64url'))),
    `${bytes} bytes, base64url-encoded`,
    undefined,
    defaultText,
  ) as SettingType<Uint8Array | undefined>;
