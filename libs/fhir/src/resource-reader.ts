import { DomainError, isValidNhsNumber } from '@carelog/domain';
import { DetailReader } from './entry-detail';
import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM } from './fhir-terms';

interface Coded {
  system: string;
  code: string;
  display: string;
}

/**
 * Reads a FHIR resource sent to carelog, element by element: every problem is a DomainError
 * `invalid-fhir-resource` naming the element (`Observation.code.coding[0].system`).
 */
export class ResourceReader {
  readonly detail: DetailReader;

  constructor(
    readonly resource: Record<string, unknown>,
    readonly path: string,
  ) {
    this.detail = new DetailReader(resource['extension'], path);
  }

  fail(element: string, message: string): never {
    throw new DomainError('invalid-fhir-resource', message, `${this.path}.${element}`);
  }

  /** The value at a dotted path with list indexes (`reaction[0].severity`), if present. */
  get(element: string): unknown {
    let value: unknown = this.resource;
    for (const step of element.split('.')) {
      const match = /^([A-Za-z]+)(?:\[(\d+)\])?$/.exec(step);
      if (!match?.[1] || value === null || typeof value !== 'object') return undefined;
      value = (value as Record<string, unknown>)[match[1]];
      if (match[2] !== undefined)
        value = Array.isArray(value) ? value[Number(match[2])] : undefined;
    }
    return value ?? undefined;
  }

  optionalString(element: string): string | null {
    const value = this.get(element);
    if (value === undefined) return null;
    if (typeof value !== 'string' || value.length === 0)
      this.fail(element, 'must be a non-empty string');
    return value;
  }

  string(element: string): string {
    return this.optionalString(element) ?? this.fail(element, 'is required');
  }

  optionalNumber(element: string): number | null {
    const value = this.get(element);
    if (value === undefined) return null;
    return typeof value === 'number' ? value : this.fail(element, 'must be a number');
  }

  /** An instant, as carelog stores it (ISO 8601 UTC with milliseconds). */
  optionalDateTime(element: string): string | null {
    const value = this.optionalString(element);
    if (value === null) return null;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value))
      this.fail(element, 'must be a dateTime with a time and a time zone');
    return new Date(value).toISOString();
  }

  dateTime(element: string): string {
    return this.optionalDateTime(element) ?? this.fail(element, 'is required');
  }

  /** A CodeableConcept's first coding that has a system and a code. */
  optionalCoded(element: string): Coded | null {
    const value = this.get(element);
    if (value === undefined) return null;
    const codings = this.get(`${element}.coding`);
    if (!Array.isArray(codings))
      return this.fail(`${element}.coding`, 'must hold a coding with system and code');
    const index = codings.findIndex(
      (coding: Record<string, unknown> | null) =>
        typeof coding?.['system'] === 'string' && typeof coding['code'] === 'string',
    );
    if (index < 0) return this.fail(`${element}.coding`, 'must hold a coding with system and code');
    const system = this.string(`${element}.coding[${index}].system`);
    const code = this.string(`${element}.coding[${index}].code`);
    const display =
      this.optionalString(`${element}.coding[${index}].display`) ??
      this.optionalString(`${element}.text`) ??
      code;
    return { system, code, display };
  }

  coded(element: string): Coded {
    return this.optionalCoded(element) ?? this.fail(element, 'is required');
  }

  /** A CodeableConcept as free text: its text, or its first coding's display. */
  optionalText(element: string): string | null {
    if (this.get(element) === undefined) return null;
    return (
      this.optionalString(`${element}.text`) ??
      this.optionalString(`${element}.coding[0].display`) ??
      this.fail(`${element}.text`, 'is required')
    );
  }

  text(element: string): string {
    return this.optionalText(element) ?? this.fail(element, 'is required');
  }

  /** The code of a coding of `system` in a CodeableConcept. */
  optionalCodeOf(element: string, system: string): string | null {
    const codings = this.get(`${element}.coding`);
    if (!Array.isArray(codings)) return null;
    const found = codings.find(
      (coding: Record<string, unknown> | null) => coding?.['system'] === system,
    ) as Record<string, unknown> | undefined;
    return typeof found?.['code'] === 'string' ? found['code'] : null;
  }

  /** An organisation's ODS code from a Reference's identifier. */
  optionalOdsCode(element: string): string | null {
    if (this.get(element) === undefined) return null;
    if (this.get(`${element}.identifier.system`) !== ODS_ORGANISATION_SYSTEM)
      this.fail(`${element}.identifier.system`, `must be ${ODS_ORGANISATION_SYSTEM}`);
    return this.string(`${element}.identifier.value`);
  }

  /** The id of a carelog entry a reference names (`MedicationRequest/<event id>`). */
  optionalReferencedId(element: string, resourceType: string): string | null {
    const reference = this.optionalString(element);
    if (reference === null) return null;
    const prefix = `${resourceType}/`;
    if (!reference.startsWith(prefix) || reference.length === prefix.length)
      this.fail(element, `must be ${resourceType}/<id>`);
    return reference.slice(prefix.length);
  }

  /** The patient's NHS number: the reference's NHS-number identifier, or `Patient/<NHS number>`. */
  nhsNumber(element: string): string {
    if (this.get(element) === undefined) this.fail(element, 'is required');
    const identifierSystem = this.get(`${element}.identifier.system`);
    const fromIdentifier =
      identifierSystem === NHS_NUMBER_SYSTEM ? this.string(`${element}.identifier.value`) : null;
    const reference = this.optionalString(`${element}.reference`);
    const fromReference = reference?.startsWith('Patient/') ? reference.slice(8) : null;
    if (fromIdentifier && fromReference && fromIdentifier !== fromReference)
      this.fail(element, 'names two different patients');
    const nhsNumber = fromIdentifier ?? fromReference;
    if (nhsNumber === null)
      return this.fail(
        element,
        `must name the patient by identifier (${NHS_NUMBER_SYSTEM}) or as Patient/<NHS number>`,
      );
    if (!isValidNhsNumber(nhsNumber)) this.fail(element, 'must be a valid NHS number');
    return nhsNumber;
  }
}
