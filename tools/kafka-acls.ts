import { applyServiceAccess, createKafka, serviceAccess } from '@carelog/kafka';

/**
 * `npm run --silent kafka:acls -- --print`: every service's Kafka access as a table.
 * `npm run kafka:acls`: creates the platform's topics and applies those ACLs, connected as
 * the admin (KAFKA_BROKERS and CARELOG_KAFKA_* naming the admin's credentials).
 */
function printAccess(): void {
  console.log('| principal | resource | name | pattern | operations | why |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const { user, grants } of serviceAccess())
    for (const grant of grants)
      console.log(
        `| \`User:${user}\` | ${grant.resource} | \`${grant.name}\` | ${grant.pattern} | ${grant.operations.join(', ')} | ${grant.why} |`,
      );
}

async function main(): Promise<void> {
  if (process.argv.includes('--print')) return printAccess();
  const admin = createKafka('carelog-kafka-acls').admin();
  await admin.connect();
  try {
    const count = await applyServiceAccess(admin);
    console.log(
      `Topics ensured; ${count} ACL bindings applied for ${serviceAccess().length} principals.`,
    );
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
