import { html, type SafeHtml } from './html';

/** An entry as the record API answers it (only what the pages show). */
export interface EntryView {
  kind?: 'entry';
  eventId: string;
  type: string;
  setting: string;
  occurredAt: string;
  recordedAt: string;
  amendedAt: string | null;
  versions: number;
  status: string;
  author: { role: string; userId: string; organisation: string };
  sensitivity: string[];
  attention: { role: string; organisation: string; reason?: string | null } | null;
  payload: Record<string, unknown>;
  flagged?: string[];
  task?: {
    status: string;
    recipient: { role: string; organisation: string };
    acknowledged: { by?: { userId?: string; role?: string }; at?: string } | null;
    escalated: { level?: number; escalatedTo?: { role: string; organisation: string } } | null;
  };
}

export interface DigestLineView {
  kind: 'digest';
  id: string;
  entryType: string;
  count: number;
  from: string;
  to: string;
  summary: string;
}

export interface FoldLineView {
  kind: 'fold';
  id: string;
  entryType: string;
  count: number;
  from: string;
  to: string;
  text: string;
  summary: string;
}

export type JournalLineView = EntryView | DigestLineView | FoldLineView;

export interface JournalView {
  view: string;
  /** From when a `since` journal shows what is new (null: the whole journal). */
  since?: string | null;
  narrative: JournalLineView[];
  sections: Array<{ section: string; entries: JournalLineView[] }>;
  expanded: Record<string, EntryView[]>;
  withheld: number | null;
  nextCursor: string | null;
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'Europe/London',
});

export const when = (iso: string | null | undefined): string =>
  iso ? dateTime.format(new Date(iso)) : '';

/** "CareVisitRecorded" → "Care visit recorded". */
export function typeInWords(type: string): string {
  const words = type.replace(/([a-z])([A-Z0-9])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const sectionInWords = (section: string): string =>
  typeInWords(section.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()));

const TEXT_FIELDS = [
  'message',
  'narrative',
  'note',
  'summary',
  'text',
  'outcome',
  'reason',
  'interpretation',
  'description',
];

function coded(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && 'display' in value) {
    const display = value.display;
    return typeof display === 'string' ? display : undefined;
  }
  return undefined;
}

/** What an entry says, in one line: its own words first, then what it is about. */
export function entryText(entry: EntryView): string {
  const payload = entry.payload ?? {};
  // A result the release policy holds says only that (README, "Results for patients").
  if (payload['status'] === 'waiting-for-your-care-team' && typeof payload['message'] === 'string')
    return payload['message'];
  const parts: string[] = [];
  for (const field of ['medication', 'measurement', 'test', 'code', 'problem', 'allergen']) {
    const display = coded(payload[field]);
    if (display) parts.push(display);
  }
  if (typeof payload['label'] === 'string') parts.push(payload['label']);
  const readings = payload['readings'];
  if (
    Array.isArray(readings) &&
    readings.every(
      (reading: { value?: unknown }) =>
        typeof reading?.value === 'number' || typeof reading?.value === 'string',
    )
  )
    parts.push(
      readings
        .map((reading: { name?: string; value: number | string; unit?: string }) =>
          `${reading.name ?? ''} ${reading.value} ${reading.unit ?? ''}`.trim(),
        )
        .join(', '),
    );
  if (typeof payload['value'] === 'string' || typeof payload['value'] === 'number')
    parts.push(
      `${String(payload['value'])} ${typeof payload['unit'] === 'string' ? payload['unit'] : ''}`.trim(),
    );
  for (const field of TEXT_FIELDS) {
    const text = payload[field];
    if (typeof text === 'string' && text.trim()) {
      parts.push(text);
      break;
    }
  }
  return parts.join(': ');
}

export function taskTag(task: EntryView['task']): SafeHtml | null {
  if (!task) return null;
  switch (task.status) {
    case 'acknowledged':
      return html`<strong class="nhsuk-tag nhsuk-tag--green"
        >Task
        acknowledged${task.acknowledged?.by?.userId ? ` by ${task.acknowledged.by.userId}` : ''}</strong
      >`;
    case 'escalated':
      return html`<strong class="nhsuk-tag nhsuk-tag--red"
        >Task
        escalated${task.escalated?.escalatedTo ? ` to ${task.escalated.escalatedTo.role} at ${task.escalated.escalatedTo.organisation}` : ''}</strong
      >`;
    case 'open':
      return html`<strong class="nhsuk-tag nhsuk-tag--orange"
        >Task open for ${task.recipient.role} at ${task.recipient.organisation}</strong
      >`;
    default:
      return html`<strong class="nhsuk-tag nhsuk-tag--grey">Task ${task.status}</strong>`;
  }
}

/** One entry as a line of the journal or the record, linking to its page. */
export function entryItem(entry: EntryView, options: { link?: boolean } = {}): SafeHtml {
  const flagged = (entry.flagged ?? []).length > 0 || entry.attention !== null;
  return html`<li class="carelog-entry${flagged ? ' carelog-entry--flagged' : ''}">
    <p class="nhsuk-body-s nhsuk-u-margin-bottom-1">
      <span class="carelog-entry__when">${when(entry.occurredAt)}</span> ·
      ${typeInWords(entry.type)} · ${entry.author.role} at
      ${entry.author.organisation}${entry.status !== 'current' ? ` · ${entry.status}` : ''}${entry.versions > 1 ? ` · ${entry.versions} versions` : ''}
    </p>
    <p class="nhsuk-u-margin-bottom-1">
      ${options.link === false ? entryText(entry) || typeInWords(entry.type) : html`<a href="/entries/${entry.eventId}">${entryText(entry) || typeInWords(entry.type)}</a>`}
    </p>
    ${entry.attention ? html`<p class="nhsuk-body-s nhsuk-u-margin-bottom-1">Flagged for ${entry.attention.role} at ${entry.attention.organisation}${entry.attention.reason ? `: ${entry.attention.reason}` : ''}</p>` : null}
    ${taskTag(entry.task)}
  </li>`;
}
