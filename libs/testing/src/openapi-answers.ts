import {
  hasForbiddenCharacter,
  isFullDate,
  isUuid,
  isValidNhsNumber,
  rfc3339Instant,
} from '@carelog/domain';
import type { OpenAPIObject } from '@nestjs/swagger';
import Ajv, { type ValidateFunction } from 'ajv';

/**
 * The formats carelog's OpenAPI documents use, checked by the rules the services check them by
 * (libs/domain/src/boundary): the document's own formats (`text`, `free-text`, `nhs-number`) are
 * carelog's, so a generic format library would not know them.
 */
const FORMATS: Record<string, (value: string) => boolean> = {
  'date-time': (value) => rfc3339Instant(value) !== undefined,
  date: isFullDate,
  uuid: isUuid,
  uri: (value) => URL.canParse(value, 'https://carelog.invalid/'),
  'nhs-number': isValidNhsNumber,
  text: (value) => !hasForbiddenCharacter(value, 'text'),
  'free-text': (value) => !hasForbiddenCharacter(value, 'free-text'),
};

/** A JSON pointer token (RFC 6901). */
const pointerToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks real answers against the schemas an OpenAPI document publishes for them, with a JSON
 * Schema validator (Ajv, which reads OpenAPI 3.0's `nullable`): a field the document does not
 * declare, or one it requires and the answer lacks, is a difference.
 */
export class OpenApiAnswers {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: OpenAPIObject) {
    for (const [name, check] of Object.entries(FORMATS))
      this.ajv.addFormat(name, { type: 'string', validate: check });
    this.ajv.addSchema({ ...document, $id: 'openapi' });
  }

  /**
   * What is wrong with `body` as the answer of `operation` ("GET /v1/patients/{nhsNumber}/record")
   * with `status`, as "<place in the body> <what is wrong>" lines: none when it matches.
   */
  problems(
    operation: string,
    body: unknown,
    status = 200,
    contentType = 'application/json',
  ): string[] {
    const [method, path] = operation.split(' ');
    if (!method || !path) throw new Error(`not "METHOD /path": ${operation}`);
    const pointer = [
      'paths',
      path,
      method.toLowerCase(),
      'responses',
      String(status),
      'content',
      contentType,
      'schema',
    ]
      .map(pointerToken)
      .join('/');
    const key = `openapi#/${pointer}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: key });
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${error.instancePath || '/'} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`,
    );
  }
}
