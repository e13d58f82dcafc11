import { Type, types } from 'avsc';

/** Maps Avro `timestamp-millis` longs to JavaScript Dates and back. */
export class TimestampMillisType extends types.LogicalType {
  protected override _fromValue(value: number): Date {
    return new Date(value);
  }

  protected override _toValue(value: unknown): unknown {
    return value instanceof Date ? value.getTime() : value;
  }

  protected override _resolve(type: Type): ((value: number) => Date) | undefined {
    if (Type.isType(type, 'long', 'logical:timestamp-millis'))
      return (value: number) => this._fromValue(value);
    return undefined;
  }
}
