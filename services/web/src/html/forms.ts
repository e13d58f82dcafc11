import { html, type SafeHtml } from './html';

interface FieldOptions {
  name: string;
  label: string;
  hint?: string;
  value?: string;
  error?: string | undefined;
}

const describedBy = (options: FieldOptions) =>
  [options.hint ? `${options.name}-hint` : '', options.error ? `${options.name}-error` : '']
    .filter(Boolean)
    .join(' ') || null;

function group(options: FieldOptions, control: SafeHtml): SafeHtml {
  return html`<div class="nhsuk-form-group${options.error ? ' nhsuk-form-group--error' : ''}">
    <label class="nhsuk-label" for="${options.name}">${options.label}</label>
    ${options.hint ? html`<div class="nhsuk-hint" id="${options.name}-hint">${options.hint}</div>` : null}
    ${options.error ? html`<span class="nhsuk-error-message" id="${options.name}-error"><span class="nhsuk-u-visually-hidden">Error:</span> ${options.error}</span>` : null}
    ${control}
  </div>`;
}

export function textInput(
  options: FieldOptions & { width?: number; inputmode?: 'numeric' | 'text'; autocomplete?: string },
): SafeHtml {
  const aria = describedBy(options);
  return group(
    options,
    html`<input
      class="nhsuk-input${options.width ? ` nhsuk-input--width-${options.width}` : ''}${options.error ? ' nhsuk-input--error' : ''}"
      id="${options.name}"
      name="${options.name}"
      type="text"
      value="${options.value ?? ''}"
      ${options.inputmode ? html` inputmode="${options.inputmode}"` : null}${aria ? html` aria-describedby="${aria}"` : null}
      autocomplete="${options.autocomplete ?? 'off'}"
    />`,
  );
}

export function textArea(options: FieldOptions & { rows?: number }): SafeHtml {
  const aria = describedBy(options);
  return group(
    options,
    html`<textarea
      class="nhsuk-textarea${options.error ? ' nhsuk-textarea--error' : ''}"
      id="${options.name}"
      name="${options.name}"
      rows="${options.rows ?? 4}"
      ${aria ? html` aria-describedby="${aria}"` : null}
    >
${options.value ?? ''}</textarea>`,
  );
}

export function select(
  options: FieldOptions & { choices: Array<{ value: string; text: string }> },
): SafeHtml {
  const aria = describedBy(options);
  return group(
    options,
    html`<select
      class="nhsuk-select"
      id="${options.name}"
      name="${options.name}"
      ${aria ? html` aria-describedby="${aria}"` : null}
    >
      ${options.choices.map(
        (choice) =>
          html`<option value="${choice.value}" ${choice.value === options.value ? ' selected' : ''}>
            ${choice.text}
          </option>`,
      )}
    </select>`,
  );
}

/** Radios or checkboxes in a fieldset whose legend asks the question. */
export function choices(options: {
  kind: 'radios' | 'checkboxes';
  name: string;
  legend: string;
  hint?: string;
  items: Array<{ value: string; text: string; hint?: string; checked?: boolean }>;
  small?: boolean;
}): SafeHtml {
  const input = options.kind === 'radios' ? 'radio' : 'checkbox';
  return html`<div class="nhsuk-form-group">
    <fieldset
      class="nhsuk-fieldset"
      ${options.hint ? html` aria-describedby="${options.name}-hint"` : null}
    >
      <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">${options.legend}</legend>
      ${options.hint ? html`<div class="nhsuk-hint" id="${options.name}-hint">${options.hint}</div>` : null}
      <div class="nhsuk-${options.kind}${options.small ? ` nhsuk-${options.kind}--small` : ''}">
        ${options.items.map((item, index) => {
          const id = `${options.name}-${index + 1}`;
          return html`<div class="nhsuk-${options.kind}__item">
            <input
              class="nhsuk-${options.kind}__input"
              id="${id}"
              name="${options.name}"
              type="${input}"
              value="${item.value}"
              ${item.checked ? ' checked' : ''}${item.hint ? html` aria-describedby="${id}-hint"` : null}
            />
            <label class="nhsuk-label nhsuk-${options.kind}__label" for="${id}">${item.text}</label>
            ${item.hint ? html`<div class="nhsuk-hint nhsuk-${options.kind}__hint" id="${id}-hint">${item.hint}</div>` : null}
          </div>`;
        })}
      </div>
    </fieldset>
  </div>`;
}

export const button = (text: string, options: { secondary?: boolean; warning?: boolean } = {}) =>
  html`<button
    class="nhsuk-button${options.secondary ? ' nhsuk-button--secondary' : ''}${options.warning ? ' nhsuk-button--warning' : ''}"
    type="submit"
  >
    ${text}
  </button>`;

/** A form that posts to the web app (same origin; the session cookie is SameSite=Strict). */
export const postForm = (action: string, content: SafeHtml, label?: string) =>
  html`<form
    method="post"
    action="${action}"
    novalidate${label ? html` aria-label="${label}"` : null}
  >
    ${content}
  </form>`;

/** A posted form, as the urlencoded body parser gives it (a repeated name is a list). */
export type FormBody = Record<string, string | string[] | undefined>;

/** One field, trimmed (the first, if the name was repeated). */
export const formText = (form: FormBody, name: string): string => {
  const value = form[name];
  return (Array.isArray(value) ? (value[0] ?? '') : (value ?? '')).trim();
};

/** Every value of a field (checkboxes). */
export const formList = (form: FormBody, name: string): string[] => {
  const value = form[name];
  return Array.isArray(value) ? value : value ? [value] : [];
};
