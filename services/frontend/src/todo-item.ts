import { h, icon } from './dom.js';
import type { Todo } from './todos.js';

export interface TodoItemActions {
  toggle(id: number, completed: boolean): void;
  remove(id: number): void;
  startEdit(id: number): void;
  saveTitle(id: number, draft: string): void;
  cancelEdit(id: number): void;
}

/**
 * One row of the list. It is kept (not re-created) across renders so focus, the caret and an
 * unsaved edit survive every update of the list around it.
 */
export class TodoItem {
  readonly element: HTMLLIElement;
  private todo: Todo;
  private editing = false;
  private readonly toggleInput: HTMLInputElement;
  private readonly titleText: HTMLSpanElement;
  private readonly editButton: HTMLButtonElement;
  private readonly deleteButton: HTMLButtonElement;
  private readonly view: HTMLDivElement;
  private readonly editForm: HTMLFormElement;
  private readonly editInput: HTMLInputElement;
  private readonly editError: HTMLParagraphElement;

  constructor(todo: Todo, actions: TodoItemActions) {
    this.todo = todo;
    const base = `todo-${todo.id}`;

    this.toggleInput = h('input', { type: 'checkbox', class: 'todo__toggle', id: `${base}-done`, 'aria-labelledby': `${base}-text` });
    this.titleText = h('span', { class: 'todo__title', id: `${base}-text` });
    this.editButton = h('button', { type: 'button', class: 'icon-button', 'data-action': 'edit' }, icon('edit'));
    this.deleteButton = h('button', { type: 'button', class: 'icon-button icon-button--danger', 'data-action': 'delete' }, icon('trash'));
    this.view = h('div', { class: 'todo__view' }, this.toggleInput, this.titleText, this.editButton, this.deleteButton);

    this.editInput = h('input', {
      type: 'text',
      class: 'todo__edit-input',
      id: `${base}-edit`,
      autocomplete: 'off',
      'aria-describedby': `${base}-edit-hint ${base}-edit-error`,
    });
    this.editError = h('p', { class: 'field-error', id: `${base}-edit-error`, hidden: true });
    this.editForm = h(
      'form',
      { class: 'todo__edit', hidden: true, novalidate: true },
      h('label', { class: 'visually-hidden', for: `${base}-edit` }, 'Edit title'),
      this.editInput,
      h('button', { type: 'submit', class: 'button button--primary button--small' }, 'Save'),
      h('button', { type: 'button', class: 'button button--ghost button--small', 'data-action': 'cancel' }, 'Cancel'),
      h('p', { class: 'visually-hidden', id: `${base}-edit-hint` }, 'Enter saves, Escape cancels.'),
      this.editError,
    );
    this.element = h('li', { class: 'todo', 'data-id': String(todo.id) }, this.view, this.editForm);

    this.toggleInput.addEventListener('change', () => actions.toggle(this.todo.id, this.toggleInput.checked));
    this.titleText.addEventListener('dblclick', () => actions.startEdit(this.todo.id));
    this.editButton.addEventListener('click', () => actions.startEdit(this.todo.id));
    this.deleteButton.addEventListener('click', () => actions.remove(this.todo.id));
    this.editForm.addEventListener('submit', (event) => {
      event.preventDefault();
      actions.saveTitle(this.todo.id, this.editInput.value);
    });
    this.editForm.querySelector('[data-action="cancel"]')?.addEventListener('click', () => actions.cancelEdit(this.todo.id));
    this.editInput.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        actions.cancelEdit(this.todo.id);
      }
    });
    this.editInput.addEventListener('input', () => this.showEditError(null));

    this.update(todo, { busy: false, editing: false });
  }

  get id(): number {
    return this.todo.id;
  }

  update(todo: Todo, state: { busy: boolean; editing: boolean }): void {
    this.todo = todo;
    this.element.classList.toggle('todo--done', todo.completed);
    this.element.classList.toggle('todo--editing', state.editing);
    this.element.setAttribute('aria-busy', String(state.busy));
    this.toggleInput.checked = todo.completed;
    this.titleText.textContent = todo.title;
    this.editButton.setAttribute('aria-label', `Edit “${todo.title}”`);
    this.editButton.title = 'Edit';
    this.deleteButton.setAttribute('aria-label', `Delete “${todo.title}”`);
    this.deleteButton.title = 'Delete';

    // Entering edit mode starts from the saved title; staying in it keeps the user's draft.
    if (state.editing && !this.editing) {
      this.editInput.value = todo.title;
      this.showEditError(null);
    }
    this.editing = state.editing;
    this.view.hidden = state.editing;
    this.editForm.hidden = !state.editing;
  }

  showEditError(message: string | null): void {
    this.editError.textContent = message ?? '';
    this.editError.hidden = message === null;
    if (message === null) this.editInput.removeAttribute('aria-invalid');
    else this.editInput.setAttribute('aria-invalid', 'true');
  }

  focusEditor(): void {
    this.editInput.focus();
    this.editInput.select();
  }

  focusToggle(): void {
    this.toggleInput.focus();
  }

  focusEditButton(): void {
    this.editButton.focus();
  }
}
