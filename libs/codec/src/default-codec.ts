import { resolve } from 'node:path';
import { EventCodec } from './event-codec';
import { SchemaCatalogue } from './schema-catalogue';

/** schemas/ at the repository root: libs/codec/src is three levels below it. */
export const schemasDir = resolve(__dirname, '..', '..', '..', 'schemas');

let shared: EventCodec | undefined;

/** The codec over every schema in schemas/, loaded once per process. */
export function loadEventCodec(): EventCodec {
  shared ??= new EventCodec(SchemaCatalogue.load(schemasDir));
  return shared;
}
