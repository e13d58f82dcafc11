import { html, type SafeHtml } from './html';
import {
  entryItem,
  sectionInWords,
  when,
  type DigestLineView,
  type EntryView,
  type FoldLineView,
  type JournalLineView,
  type JournalView,
} from './record-view';

const lineAnchor = (id: string) => `line-${Buffer.from(id).toString('base64url')}`;

/**
 * A digest or fold line as a <details>: its summary is the line; opened, it shows the entries
 * if the reader asked for them (`expand`, which the API audits as shown), else a link to ask.
 */
function summarisedLine(
  line: DigestLineView | FoldLineView,
  expanded: Record<string, EntryView[]>,
): SafeHtml {
  const entries = expanded[line.id];
  const anchor = lineAnchor(line.id);
  return html`<li class="carelog-entry carelog-entry--${line.kind}" id="${anchor}">
    <details class="nhsuk-details nhsuk-u-margin-bottom-0" ${entries ? ' open' : ''}>
      <summary class="nhsuk-details__summary">
        <span class="nhsuk-details__summary-text">${line.summary}</span>
      </summary>
      <div class="nhsuk-details__text">
        ${
          entries
            ? html`<ul class="nhsuk-list carelog-timeline">
                ${entries.map((entry) => entryItem(entry))}
              </ul>`
            : html`<p>
                  ${line.kind === 'digest' ? `${line.count} routine entries, ${when(line.from)} to ${when(line.to)}, are summarised in this line.` : `${line.count} near-identical notes are folded into this line. The first said: “${line.text}”`}
                </p>
                <p>
                  <a href="/journal?expand=${encodeURIComponent(line.id)}#${anchor}"
                    >Show the ${line.count} entries</a
                  >
                </p>`
        }
      </div>
    </details>
  </li>`;
}

export function journalLines(
  lines: JournalLineView[],
  expanded: Record<string, EntryView[]>,
): SafeHtml {
  if (lines.length === 0) return html`<p>Nothing to show here.</p>`;
  return html`<ul class="nhsuk-list carelog-timeline">
    ${lines.map((line) =>
      line.kind === 'digest' || line.kind === 'fold'
        ? summarisedLine(line, expanded)
        : entryItem(line),
    )}
  </ul>`;
}

/** The journal in the reader's view: the narrative first, then each section. */
export function journalBody(journal: JournalView): SafeHtml {
  return html` ${
      journal.withheld
        ? html`<p class="nhsuk-body-s">
            ${journal.withheld} routine ${journal.withheld === 1 ? 'entry is' : 'entries are'} left
            out of this view.
          </p>`
        : null
    }
    <h2>Narrative</h2>
    ${journalLines(journal.narrative, journal.expanded)}
    ${journal.sections.map(
      (section) =>
        html`<h2>${sectionInWords(section.section)}</h2>
          ${journalLines(section.entries, journal.expanded)}`,
    )}`;
}
