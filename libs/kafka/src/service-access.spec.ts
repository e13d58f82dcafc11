import { AclOperationTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { aclEntries, kafkaUser, serviceAccess } from './service-access';
import { AUDIT_TOPIC, recordEntryTopic } from './topics';

const allows = (
  user: string,
  resource: AclResourceTypes,
  name: string,
  operation: AclOperationTypes,
) =>
  aclEntries().some(
    (acl) =>
      acl.principal === `User:${user}` &&
      acl.resourceType === resource &&
      (acl.resourcePatternType === ResourcePatternTypes.LITERAL
        ? acl.resourceName === name
        : name.startsWith(acl.resourceName)) &&
      acl.operation === operation,
  );

describe('Kafka access per service', () => {
  it('lets each producer write its own topic and no other', () => {
    expect(
      allows(
        kafkaUser('gp-records'),
        AclResourceTypes.TOPIC,
        recordEntryTopic('gp'),
        AclOperationTypes.WRITE,
      ),
    ).toBe(true);
    expect(
      allows(
        kafkaUser('social-care'),
        AclResourceTypes.TOPIC,
        recordEntryTopic('gp'),
        AclOperationTypes.WRITE,
      ),
    ).toBe(false);
  });

  it('lets only the audit verifier read the audit topic', () => {
    const readers = serviceAccess()
      .filter(({ user }) =>
        allows(user, AclResourceTypes.TOPIC, AUDIT_TOPIC, AclOperationTypes.READ),
      )
      .map(({ service }) => service);
    expect(readers).toEqual(['audit-verify']);
  });

  it('gives every principal its own name and grants nothing on the cluster', () => {
    const users = serviceAccess().map(({ user }) => user);
    expect(new Set(users).size).toBe(users.length);
    expect(aclEntries().every((acl) => acl.resourceType !== AclResourceTypes.CLUSTER)).toBe(true);
  });
});
