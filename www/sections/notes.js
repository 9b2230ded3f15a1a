// @ts-check
// What could not be computed (the core's notes, with their codes) and the
// model's diagnostics.

import { byTestId, el } from '../app/dom.js';
import { current, state } from '../app/state.js';

export function renderNotes() {
  const { l10n } = state;
  const result = current();
  const notes = byTestId('notes');
  notes.hidden = result.notes.length === 0;
  notes.querySelector('ul').replaceChildren(
    // The core's detail is English engineer text: shown in the English page,
    // kept as a tooltip in the others.
    ...result.notes.map((note) =>
      l10n.lang === 'en'
        ? el('li', { 'data-code': note.code }, `${l10n.t(`note.${note.code}`)} (${note.message})`)
        : el('li', { 'data-code': note.code, title: note.message }, l10n.t(`note.${note.code}`)),
    ),
  );
  const diagnostics = result.predictions?.diagnostics ?? [];
  const details = byTestId('diagnostics');
  details.hidden = diagnostics.length === 0;
  // The diagnostics are the fits' own English words; in the other languages a
  // one-line summary says what they are, and they stay (marked as English).
  details.querySelector('.diagnostics-summary').textContent = l10n.t('diagnostics.summary');
  details.querySelector('ul').replaceChildren(...diagnostics.map((d) => el('li', { lang: 'en' }, d)));
}
