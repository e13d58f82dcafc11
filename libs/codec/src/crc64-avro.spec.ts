import { crc64Avro } from './crc64-avro';

describe('CRC-64-AVRO', () => {
  // Apache Avro's published vectors (share/test/data/schema-tests.txt), given there as signed longs.
  it.each([
    ['"null"', 7195948357588979594n],
    ['"int"', 8247732601305521295n],
    ['"string"', -8142146995180207161n],
    [
      '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}',
      7843277075252814651n,
    ],
  ])('fingerprints %s as the Avro specification does', (canonical, signed) => {
    expect(crc64Avro(Buffer.from(canonical))).toBe(BigInt.asUintN(64, signed));
  });
});
