import { randomUUID } from 'node:crypto';
import { readModelDataSource, ReadModelVersions } from '@carelog/read-model';

export interface GivenRelationship {
  nhsNumber: string;
  organisation: string;
  kind?: string;
  expiresAt?: Date | null;
}

/**
 * Given: care relationships in the serving read model, as the projection would have written
 * them from their starting events. For tests of a producer on its own (no projection running),
 * whose writes the relationship rules check against the read model.
 */
export async function givenCareRelationships(relationships: GivenRelationship[]): Promise<void> {
  const dataSource = readModelDataSource({ applicationName: 'carelog-test-given', poolSize: 2 });
  await dataSource.initialize();
  try {
    const version = await new ReadModelVersions(dataSource).activeOrInitial();
    for (const relationship of relationships) {
      await dataSource.query(
        `INSERT INTO "${version.schema}".care_relationship
           (started_by_event_id, nhs_number, organisation, kind, started_at, expires_at)
         VALUES ($1, $2, $3, $4, now(), $5)`,
        [
          randomUUID(),
          relationship.nhsNumber,
          relationship.organisation,
          relationship.kind ?? 'gp-registration',
          relationship.expiresAt ?? null,
        ],
      );
    }
  } finally {
    await dataSource.destroy();
  }
}
