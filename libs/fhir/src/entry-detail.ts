import { DomainError } from '@carelog/domain';
import type { Coding, Extension } from '@medplum/fhirtypes';
import { ENTRY_DETAIL_EXTENSION } from './fhir-terms';

interface Coded {
  system: string;
  code: string;
  display: string;
}
type DetailValue = string | number | boolean | Date | Coded | readonly string[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isExtension = (value: unknown): value is Extension =>
  isObject(value) && typeof value['url'] === 'string';

const isCoded = (value: unknown): value is Coded =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Coded).system === 'string' &&
  typeof (value as Coded).code === 'string';

function detailValue(url: string, value: Exclude<DetailValue, readonly string[]>): Extension {
  if (typeof value === 'string') return { url, valueString: value };
  if (typeof value === 'boolean') return { url, valueBoolean: value };
  if (typeof value === 'number')
    return Number.isInteger(value) && Math.abs(value) < 2 ** 31
      ? { url, valueInteger: value }
      : { url, valueDecimal: value };
  if (value instanceof Date) return { url, valueDateTime: value.toISOString() };
  return { url, valueCoding: codingOf(value) };
}

export const codingOf = (coded: Coded): Coding => ({
  system: coded.system,
  code: coded.code,
  display: coded.display,
});

/**
 * The entry-detail extension: payload fields that no element of the resource holds, one
 * sub-extension each (a list repeats it), so that entry → FHIR → entry loses nothing.
 * Null fields are left out and read back as null.
 */
export function entryDetail(fields: Record<string, DetailValue | null | undefined>): Extension[] {
  const extension: Extension[] = [];
  for (const [url, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value))
      for (const item of value as string[]) extension.push({ url, valueString: item });
    else if (isCoded(value) || !Array.isArray(value))
      extension.push(detailValue(url, value as Exclude<DetailValue, readonly string[]>));
  }
  return extension.length === 0 ? [] : [{ url: ENTRY_DETAIL_EXTENSION, extension }];
}

/** Reads the entry-detail extension of a resource back; every problem names its element. */
export class DetailReader {
  private readonly values: Extension[];

  constructor(
    extensions: unknown,
    private readonly path: string,
  ) {
    const detail = Array.isArray(extensions)
      ? (extensions as unknown[]).find(
          (extension): extension is Extension =>
            isObject(extension) && extension['url'] === ENTRY_DETAIL_EXTENSION,
        )
      : undefined;
    const values: unknown = detail?.extension;
    this.values = Array.isArray(values) ? (values as unknown[]).filter(isExtension) : [];
  }

  private all(name: string): Extension[] {
    return this.values.filter((extension) => extension.url === name);
  }

  private fail(name: string, expected: string): never {
    throw new DomainError(
      'invalid-fhir-resource',
      `must be ${expected}`,
      `${this.path}.extension(${ENTRY_DETAIL_EXTENSION}).extension(${name})`,
    );
  }

  string(name: string): string | null {
    const [found] = this.all(name);
    if (found === undefined) return null;
    return typeof found.valueString === 'string'
      ? found.valueString
      : this.fail(name, 'a valueString');
  }

  requiredString(name: string, fallback?: string): string {
    return this.string(name) ?? fallback ?? this.fail(name, 'present');
  }

  strings(name: string): string[] {
    return this.all(name).map((found) =>
      typeof found.valueString === 'string' ? found.valueString : this.fail(name, 'valueString'),
    );
  }

  number(name: string): number | null {
    const [found] = this.all(name);
    if (found === undefined) return null;
    const value = found.valueInteger ?? found.valueDecimal;
    return typeof value === 'number' ? value : this.fail(name, 'a valueInteger or valueDecimal');
  }

  requiredNumber(name: string): number {
    return this.number(name) ?? this.fail(name, 'present');
  }

  boolean(name: string): boolean | null {
    const [found] = this.all(name);
    if (found === undefined) return null;
    return typeof found.valueBoolean === 'boolean'
      ? found.valueBoolean
      : this.fail(name, 'a valueBoolean');
  }

  coded(name: string): Coded | null {
    const [found] = this.all(name);
    if (found === undefined) return null;
    const coding = found.valueCoding;
    if (!coding?.system || !coding.code)
      return this.fail(name, 'a valueCoding with system and code');
    return { system: coding.system, code: coding.code, display: coding.display ?? coding.code };
  }

  dateTime(name: string): string | null {
    const [found] = this.all(name);
    if (found === undefined) return null;
    return typeof found.valueDateTime === 'string'
      ? new Date(found.valueDateTime).toISOString()
      : this.fail(name, 'a valueDateTime');
  }
}
