import { html, type SafeHtml } from './html';
import { ROLE_NAMES } from './layout';
import { when } from './record-view';

export interface AccessLine {
  accessId: string;
  occurredAt: string;
  actor: { role: string; userId: string; organisation: string };
  action: string;
  outcome: string;
  entriesShown: number | null;
  basis: string | null;
  breakGlass: { reason?: string | null } | null;
  claim: { reason?: string | null } | null;
}

const ACTIONS: Record<string, string> = {
  'read-journal': 'read the journal',
  'read-record': 'read the record',
  'read-entry': 'read an entry',
  'read-entry-history': 'read an entry’s history',
  'read-tasks': 'read tasks',
  'read-task': 'read a task',
  'acknowledge-task': 'acknowledged a task',
  'break-glass': 'broke glass (emergency access)',
  'claim-relationship': 'claimed a care relationship',
  'read-access-log': 'read the access log',
  'reconstruct-view': 'reconstructed a view',
  'read-medicines': 'read the medicines',
};

const BASES: Record<string, string> = {
  patient: 'the patient',
  'parental-responsibility': 'parental responsibility',
  'care-relationship': 'a care relationship',
  carer: 'approved carer',
  'break-glass': 'break glass',
  claim: 'a claimed relationship',
};

/** Who looked, in a table a patient or a privacy officer reads at a glance. */
export function accessLogTable(lines: AccessLine[], caption: string): SafeHtml {
  if (lines.length === 0) return html`<p>Nobody has looked yet.</p>`;
  return html`<table class="nhsuk-table">
    <caption class="nhsuk-table__caption">
      ${caption}
    </caption>
    <thead class="nhsuk-table__head">
      <tr class="nhsuk-table__row">
        <th scope="col" class="nhsuk-table__header">When</th>
        <th scope="col" class="nhsuk-table__header">Who</th>
        <th scope="col" class="nhsuk-table__header">What</th>
        <th scope="col" class="nhsuk-table__header">Why they could</th>
      </tr>
    </thead>
    <tbody class="nhsuk-table__body">
      ${lines.map((line) => {
        const reason = line.breakGlass?.reason ?? line.claim?.reason ?? null;
        return html`<tr class="nhsuk-table__row">
          <td class="nhsuk-table__cell">${when(line.occurredAt)}</td>
          <td class="nhsuk-table__cell">
            ${ROLE_NAMES[line.actor.role] ?? line.actor.role} ${line.actor.userId} at
            ${line.actor.organisation}
          </td>
          <td class="nhsuk-table__cell">
            ${ACTIONS[line.action] ?? line.action}${line.outcome === 'denied' ? ' (refused)' : ''}
          </td>
          <td class="nhsuk-table__cell">
            ${line.basis ? (BASES[line.basis] ?? line.basis) : '–'}${reason ? `: “${reason}”` : ''}
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
