import { html, type SafeHtml } from './html';
import { layout } from './layout';
import { inPlainWords, type Problem } from '../platform/plain-words';
import { isStaffPerson } from '../records/people';
import type { Session } from '../session/session';

/**
 * The page for a patient that cannot be shown: the same for a patient who does not exist and
 * for one the person may not see (same words, same status), so it reveals nothing.
 */
export function noRecordPage(session: Session): SafeHtml {
  return layout({
    title: 'No record found',
    person: session.person,
    body: html`<h1>No record found</h1>
      <p>We could not find a record you can see for the NHS number you entered.</p>
      <p>
        Check the NHS number. If it is right, you may not have a care relationship with this person.
      </p>
      ${
        isStaffPerson(session.person)
          ? html`<p>
              If you are caring for this person now, you can
              <a href="/access">claim a care relationship or break glass</a>.
            </p>`
          : null
      }
      <p>
        <a href="${isStaffPerson(session.person) ? '/patients' : '/journal'}"
          >Find another patient</a
        >
      </p>`,
  });
}

export function problemPage(session: Session | undefined, problem: Problem): SafeHtml {
  return layout({
    title: 'Something went wrong',
    person: session?.person,
    errors: [inPlainWords(problem)],
    body: html`<h1>This could not be done</h1>
      <p><a href="/">Go back to the start</a></p>`,
  });
}
