// Generated from schemas/ by `npm run schemas:generate`. Do not edit: change the schema.
// `npm run schemas:check` fails when this file and the schemas disagree.

export type AccessActor = {
  userId: string;
  role: string;
  organisation: string;
};

export type AccessEventRecorded = {
  accessId: string;
  occurredAt: Date;
  actor: AccessActor;
  nhsNumber: string;
  action: string;
  outcome: 'allowed' | 'denied';
  entriesShown: null | number;
  breakGlass: null | BreakGlassGrant;
  basis: null | string;
  claim: null | RelationshipClaim;
  review: null | PrivacyReview;
  seq: number;
  prevHash: string;
  hash: string;
};

export type AuditCheckpointSigned = {
  trail: string;
  count: number;
  headHash: string;
  signedAt: Date;
  keyId: string;
  algorithm: string;
  signature: string;
};

export type BreakGlassGrant = {
  reason: string;
  expiresAt: Date;
};

export type PrivacyReview = {
  reason: null | string;
  reader: null | AccessActor;
  asAt: null | Date;
  alertId: null | string;
  outcome: null | string;
};

export type RelationshipClaim = {
  reason: string;
  expiresAt: Date;
};

export const AUDIT_EVENT_NAMES = ['AccessEventRecorded', 'AuditCheckpointSigned'] as const;

export type AuditEventName = (typeof AUDIT_EVENT_NAMES)[number];

export type AuditEvents = {
  AccessEventRecorded: AccessEventRecorded;
  AuditCheckpointSigned: AuditCheckpointSigned;
};

export type AuditEvent = AuditEvents[AuditEventName];
