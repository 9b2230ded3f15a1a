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
    ...result.notes.map((note) => el('li', { 'data-code': note.code }, `${l10n.t(`note.${note.code}`)} (${note.message})`)),
  );
  const diagnostics = result.predictions?.diagnostics ?? [];
  const details = byTestId('diagnostics');
  details.hidden = diagnostics.length === 0;
  details.querySelector('ul').replaceChildren(...diagnostics.map((d) => el('li', {}, d)));
}
