import type { Role } from '@carelog/domain';

export interface DemoIdentity {
  id: string;
  label: string;
  role: Role;
  organisation: string;
  userId: string;
  /** The patient's own NHS number (patients), or the record a carer cares for. */
  nhsNumber?: string;
}

/** The people of `npm start`'s demo data (tools/demo-data.ts, tools/demo-family.ts). */
export const DEMO_IDENTITIES: DemoIdentity[] = [
  {
    id: 'gp',
    label: 'Dr Amara Shah, GP at the demo practice (A81001)',
    role: 'gp',
    organisation: 'A81001',
    userId: 'dr-shah',
  },
  {
    id: 'practice-nurse',
    label: 'Practice nurse at the demo practice (A81001)',
    role: 'practice-nurse',
    organisation: 'A81001',
    userId: 'nurse-lee',
  },
  {
    id: 'district-nurse',
    label: 'District nurse, District nursing East (RYX)',
    role: 'community-nurse',
    organisation: 'RYX',
    userId: 'dn-okafor',
  },
  {
    id: 'care-worker',
    label: 'Care worker at the council (716)',
    role: 'care-worker',
    organisation: '716',
    userId: 'cw-jones',
  },
  {
    id: 'social-worker',
    label: 'Social worker at the council (716)',
    role: 'social-worker',
    organisation: '716',
    userId: 'sw-patel',
  },
  {
    id: 'pharmacist',
    label: 'Pharmacist at the nominated pharmacy (FA123)',
    role: 'pharmacist',
    organisation: 'FA123',
    userId: 'ph-evans',
  },
  {
    id: 'other-gp',
    label: 'GP at another practice (B82002), no relationship',
    role: 'gp',
    organisation: 'B82002',
    userId: 'dr-other',
  },
  {
    id: 'patient',
    label: 'The demo patient (NHS login)',
    role: 'patient',
    organisation: 'NHSLOGIN',
    userId: 'patient-demo',
    nhsNumber: '9434765919',
  },
  {
    id: 'mother',
    label: 'The demo mother (NHS login)',
    role: 'patient',
    organisation: 'NHSLOGIN',
    userId: 'mother-demo',
    nhsNumber: '9434765846',
  },
  {
    id: 'privacy-officer',
    label: 'Privacy officer for the demo ICS (A81001)',
    role: 'privacy-officer',
    organisation: 'A81001',
    userId: 'po-brown',
  },
];
