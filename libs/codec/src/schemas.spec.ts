import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTRY_TYPES } from '@carelog/domain';
import { loadAnalyticsCodec } from './analytics-codec';
import { loadEventCodec, schemasDir } from './default-codec';
import {
  goldenEvent,
  goldenVectorPath,
  plainType,
  readExample,
  toPlainJson,
  type GoldenVector,
} from './golden-vectors';
import { checkSchemas } from './schema-gate';

const codec = loadEventCodec();
const { catalogue } = codec;
const ruledTypes = ENTRY_TYPES.map((rule) => rule.type);
const allVersions = catalogue.types.flatMap((type) => catalogue.versionsOf(type));

describe('the schemas in schemas/', () => {
  it('pass every check of the compatibility gate', () => {
    expect(checkSchemas(schemasDir, ruledTypes)).toEqual([]);
  });

  it.each(catalogue.types)('round-trip %s through encode and decode unchanged', (type) => {
    const current = catalogue.current(type);
    const example = current && readExample(schemasDir, current);
    if (!current || !example) throw new Error(`${type} has no example`);
    const event = goldenEvent(current, example);
    const decoded = codec.decode(codec.encode(event));
    expect(decoded.writer).toBe(current);
    expect(decoded.event).toEqual(event);
  });

  it.each(allVersions.map((version) => [version.file, version] as const))(
    'decode the golden bytes of %s to its golden JSON',
    (_file, version) => {
      const vector = JSON.parse(
        readFileSync(goldenVectorPath(schemasDir, version, 'json'), 'utf8'),
      ) as GoldenVector;
      const bytes = readFileSync(goldenVectorPath(schemasDir, version, 'bin'));
      expect(bytes.toString('hex')).toBe(vector.singleObjectHex);
      const asWritten = toPlainJson(plainType(schemasDir, version).fromBuffer(bytes.subarray(10)));
      expect(asWritten).toEqual(vector.event);
    },
  );

  const older = allVersions.filter((version) => version !== catalogue.current(version.type));
  it.each(older.map((version) => [version.file, version] as const))(
    'decode %s, an earlier version, into the current version with defaults for what it lacks',
    (_file, version) => {
      const vector = JSON.parse(
        readFileSync(goldenVectorPath(schemasDir, version, 'json'), 'utf8'),
      ) as GoldenVector;
      const { event, writer } = codec.decode(
        readFileSync(goldenVectorPath(schemasDir, version, 'bin')),
      );
      expect(writer).toBe(version);
      const current = toPlainJson(event) as Record<string, unknown>;
      // Everything the old writer wrote comes through; fields it did not know take their defaults.
      expect(current).toMatchObject(vector.event);
      expect(codec.catalogue.current(version.type)?.avroType.isValid(event)).toBe(true);
    },
  );

  it('decode ConsultationRecorded v1 with a null consultationMedium, the v2 default', () => {
    const v1 = catalogue.versionsOf('ConsultationRecorded')[0];
    if (!v1) throw new Error('no v1');
    const { event } = codec.decode(readFileSync(goldenVectorPath(schemasDir, v1, 'bin')));
    expect(event.type === 'ConsultationRecorded' && event.payload.consultationMedium).toBeNull();
  });
});

describe('the compatibility gate', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'carelog-schemas-'));
    cpSync(schemasDir, dir, { recursive: true });
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes ConsultationRecorded v3 = v2 with its payload changed by `change`. */
  const writeV3 = (change: (payloadFields: Array<Record<string, unknown>>) => void) => {
    const v2 = JSON.parse(
      readFileSync(join(dir, 'gp', 'ConsultationRecorded.v2.avsc'), 'utf8'),
    ) as {
      fields: Array<{ name: string; type: { fields: Array<Record<string, unknown>> } }>;
    };
    const payload = v2.fields.find((field) => field.name === 'payload');
    if (!payload) throw new Error('no payload');
    change(payload.type.fields);
    writeFileSync(join(dir, 'gp', 'ConsultationRecorded.v3.avsc'), JSON.stringify(v2));
  };

  it('rejects a new field without a default, naming the type and the field', () => {
    writeV3((fields) => fields.push({ name: 'clinicianGrade', type: 'string' }));
    const problems = checkSchemas(dir, ruledTypes);
    expect(problems).toContain(
      'ConsultationRecorded: v3 cannot read data written with v1: field payload.clinicianGrade is not in the written data and has no default',
    );
    expect(problems).toContain(
      'ConsultationRecorded: v3 cannot read data written with v2: field payload.clinicianGrade is not in the written data and has no default',
    );
  });

  it('rejects a field whose type changes incompatibly, naming the field', () => {
    writeV3((fields) => {
      const narrative = fields.find((field) => field.name === 'narrative');
      if (narrative) narrative['type'] = 'int';
    });
    const problems = checkSchemas(dir, ruledTypes);
    expect(
      problems.some((problem) =>
        problem.startsWith(
          'ConsultationRecorded: v3 cannot read data written with v2: field payload.narrative',
        ),
      ),
    ).toBe(true);
    expect(
      problems.some((problem) =>
        problem.startsWith(
          'ConsultationRecorded: v2 cannot read data written with v3: field payload.narrative',
        ),
      ),
    ).toBe(true);
  });

  it('rejects removing a field that has no default (old readers could no longer read new data)', () => {
    writeV3((fields) =>
      fields.splice(
        fields.findIndex((field) => field.name === 'narrative'),
        1,
      ),
    );
    expect(checkSchemas(dir, ruledTypes)).toContain(
      'ConsultationRecorded: v1 cannot read data written with v3: field payload.narrative is not in the written data and has no default',
    );
  });

  it('accepts a new optional field with a default', () => {
    writeV3((fields) =>
      fields.push({ name: 'clinicianGrade', type: ['null', 'string'], default: null }),
    );
    const problems = checkSchemas(dir, ruledTypes).filter(
      (problem) => !problem.includes('golden vector'),
    );
    expect(problems).toEqual([]);
  });

  it('fails `npm run schemas:check` with the message, as CI runs it', () => {
    writeV3((fields) => fields.push({ name: 'clinicianGrade', type: 'string' }));
    const run = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', join(schemasDir, '..', 'tools', 'schemas.ts'), 'check', dir],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'field payload.clinicianGrade is not in the written data and has no default',
    );
  });
});

describe('the analytics schema family', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'carelog-analytics-schemas-'));
    cpSync(schemasDir, dir, { recursive: true });
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is kept apart from the record entries: no authoring rules, not in the record-entry codec', () => {
    expect(catalogue.types).not.toContain('AnalyticsRecordEntry');
    expect(loadAnalyticsCodec().catalogue.types).toEqual([
      'AnalyticsRecordEntry',
      'EntryCountsUpdated',
    ]);
  });

  it('round-trips its golden vectors through the analytics codec', () => {
    const analytics = loadAnalyticsCodec();
    for (const type of analytics.catalogue.types) {
      const version = analytics.catalogue.current(type);
      if (!version) throw new Error(`no ${type}`);
      const vector = JSON.parse(
        readFileSync(goldenVectorPath(schemasDir, version, 'json'), 'utf8'),
      ) as GoldenVector;
      const { event, writer } = analytics.decode(
        readFileSync(goldenVectorPath(schemasDir, version, 'bin')),
      );
      expect(writer).toBe(version);
      expect(toPlainJson(event)).toEqual(vector.event);
    }
  });

  it('is held to FULL_TRANSITIVE compatibility like every other schema', () => {
    const v1 = JSON.parse(
      readFileSync(join(dir, 'analytics', 'EntryCountsUpdated.v1.avsc'), 'utf8'),
    ) as { fields: Array<Record<string, unknown>> };
    v1.fields.push({ name: 'entriesExcluded', type: 'long' });
    writeFileSync(join(dir, 'analytics', 'EntryCountsUpdated.v2.avsc'), JSON.stringify(v1));
    expect(checkSchemas(dir, ruledTypes)).toContain(
      'EntryCountsUpdated: v2 cannot read data written with v1: field entriesExcluded is not in the written data and has no default',
    );
  });
});
