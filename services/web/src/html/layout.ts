import { html, type SafeHtml } from './html';
import type { SignedInPerson } from '../session/session';

export interface PageOptions {
  title: string;
  person?: SignedInPerson | undefined;
  /** Problems said in plain words, shown in the error summary at the top. */
  errors?: string[];
  /** A confirmation after something was done. */
  success?: string | undefined;
  backLink?: { href: string; text: string };
  body: SafeHtml;
}

const isStaff = (person: SignedInPerson) =>
  person.role !== 'patient' && person.role !== 'carer' && person.role !== 'privacy-officer';

/** The places a person can go, by who they are. */
function navigation(person: SignedInPerson): Array<{ href: string; text: string }> {
  if (person.role === 'privacy-officer')
    return [
      { href: '/privacy/alerts', text: 'Alerts to review' },
      { href: '/privacy/access-log', text: 'Access log' },
      { href: '/privacy/reconstruct', text: 'Reconstruct a view' },
    ];
  if (person.role === 'patient')
    return [
      { href: '/my/record', text: 'My record' },
      { href: '/my/results', text: 'My results' },
      { href: '/my/readings', text: 'Add a reading' },
      { href: '/my/sharing', text: 'Carers and opt-outs' },
      { href: '/my/access-log', text: 'Who looked at my record' },
    ];
  if (person.role === 'carer') return [{ href: '/my/record', text: 'Record I care for' }];
  return isStaff(person)
    ? [
        { href: '/patients', text: 'Find a patient' },
        { href: '/tasks', text: 'My tasks' },
      ]
    : [];
}

export const ROLE_NAMES: Record<string, string> = {
  gp: 'GP',
  'practice-nurse': 'Practice nurse',
  'community-nurse': 'District nurse',
  'social-worker': 'Social worker',
  'care-worker': 'Care worker',
  midwife: 'Midwife',
  'health-visitor': 'Health visitor',
  'urgent-care': 'Urgent care clinician',
  pharmacist: 'Pharmacist',
  patient: 'Patient',
  carer: 'Carer',
  'privacy-officer': 'Privacy officer',
};

/** One page in the NHS design system: header, skip link, main content, footer. */
export function layout(options: PageOptions): SafeHtml {
  const { person } = options;
  const errors = options.errors ?? [];
  return html`<!DOCTYPE html>
    <html lang="en-GB" class="nhsuk-template">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${errors.length ? 'Error: ' : ''}${options.title} – carelog</title>
        <link rel="stylesheet" href="/assets/nhsuk-frontend.min.css" />
        <link rel="stylesheet" href="/assets/carelog.css" />
      </head>
      <body class="nhsuk-template__body">
        <a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
        <header class="nhsuk-header" role="banner">
          <div class="nhsuk-header__container nhsuk-width-container">
            <div class="nhsuk-header__service">
              <a class="nhsuk-header__service-logo" href="/">
                <svg
                  class="nhsuk-header__logo"
                  xmlns="http://www.w3.org/2000/svg"
                  viewBox="0 0 200 80"
                  height="40"
                  width="100"
                  focusable="false"
                  role="img"
                  aria-label="NHS"
                >
                  <title>NHS</title>
                  <path
                    fill="currentcolor"
                    d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z"
                  />
                </svg>
                <span class="nhsuk-header__service-name">carelog</span>
              </a>
            </div>
            ${
              person
                ? html`<div class="carelog-signed-in">
                    <p class="nhsuk-body-s carelog-signed-in__who">
                      ${ROLE_NAMES[person.role] ?? person.role},
                      ${person.organisation === 'NHSLOGIN' ? 'NHS login' : person.organisation}
                      (${person.userId})
                    </p>
                    <form method="post" action="/sign-out">
                      <button
                        class="nhsuk-button nhsuk-button--reverse nhsuk-button--small carelog-sign-out"
                        type="submit"
                      >
                        Sign out
                      </button>
                    </form>
                  </div>`
                : null
            }
          </div>
          ${
            person
              ? html`<nav class="nhsuk-header__navigation" aria-label="Menu">
                  <div class="nhsuk-header__navigation-container nhsuk-width-container">
                    <ul class="nhsuk-header__navigation-list">
                      ${navigation(person).map(
                        (item) =>
                          html`<li class="nhsuk-header__navigation-item">
                            <a class="nhsuk-header__navigation-link" href="${item.href}"
                              >${item.text}</a
                            >
                          </li>`,
                      )}
                    </ul>
                  </div>
                </nav>`
              : null
          }
        </header>
        <div class="nhsuk-width-container">
          ${
            options.backLink
              ? html`<a class="nhsuk-back-link" href="${options.backLink.href}"
                  >${options.backLink.text}</a
                >`
              : null
          }
          <main class="nhsuk-main-wrapper" id="maincontent">
            ${
              errors.length
                ? html`<div
                    class="nhsuk-error-summary"
                    aria-labelledby="error-summary-title"
                    role="alert"
                    tabindex="-1"
                  >
                    <h2 class="nhsuk-error-summary__title" id="error-summary-title">
                      There is a problem
                    </h2>
                    <div class="nhsuk-error-summary__body">
                      <ul class="nhsuk-list nhsuk-error-summary__list">
                        ${errors.map((error) => html`<li>${error}</li>`)}
                      </ul>
                    </div>
                  </div>`
                : null
            }
            ${
              options.success
                ? html`<div class="nhsuk-inset-text carelog-success" role="status">
                    <p>${options.success}</p>
                  </div>`
                : null
            }
            ${
              person && person.role !== 'patient' && person.role !== 'privacy-officer'
                ? html`<div class="nhsuk-inset-text" id="live-updates" aria-live="polite" hidden>
                      <p class="nhsuk-u-margin-bottom-2"><strong>New for you</strong></p>
                      <ul class="nhsuk-list"></ul>
                    </div>
                    <script src="/assets/live.js" defer></script>`
                : null
            }
            ${options.body}
          </main>
        </div>
        <footer role="contentinfo" class="nhsuk-footer">
          <div class="nhsuk-width-container">
            <p class="nhsuk-body-s">
              carelog: one joined-up health and social care record. Every look at a record is
              written down and shown to the patient.
            </p>
          </div>
        </footer>
      </body>
    </html>`;
}
