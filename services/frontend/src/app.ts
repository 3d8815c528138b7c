import type { TodoApi } from './api.js';
import { toErrorInfo, type ApiErrorInfo } from './api-error.js';
import { byId } from './dom.js';
import { TodoItem } from './todo-item.js';
import {
  checkTitle,
  countTodos,
  emptyMessage,
  FILTERS,
  filterFromHash,
  filterTodos,
  itemsLeftLabel,
  removeTodo,
  upsertTodo,
  type Filter,
  type Todo,
} from './todos.js';

/** Binds the static markup of index.html to the API; all state lives here and render() shows it. */
export class TodoApp {
  private todos: Todo[] = [];
  private filter: Filter = filterFromHash(location.hash);
  private loading = true;
  private loadFailed = false;
  private adding = false;
  private editingId: number | null = null;
  private readonly busy = new Set<number>();
  private readonly items = new Map<number, TodoItem>();
  private retry: (() => void) | null = null;

  private readonly form = byId('new-todo-form', HTMLFormElement);
  private readonly input = byId('new-todo-title', HTMLInputElement);
  private readonly inputError = byId('new-todo-error', HTMLParagraphElement);
  private readonly addButton = byId('new-todo-submit', HTMLButtonElement);
  private readonly list = byId('todo-list', HTMLUListElement);
  private readonly loadingNote = byId('loading', HTMLParagraphElement);
  private readonly emptyNote = byId('empty', HTMLParagraphElement);
  private readonly itemsLeft = byId('items-left', HTMLSpanElement);
  private readonly clearDoneButton = byId('clear-done', HTMLButtonElement);
  private readonly status = byId('status', HTMLParagraphElement);
  private readonly banner = byId('error-banner', HTMLDivElement);
  private readonly bannerMessage = byId('error-message', HTMLParagraphElement);
  private readonly bannerRequest = byId('error-request', HTMLParagraphElement);
  private readonly bannerRequestId = byId('error-request-id', HTMLElement);
  private readonly retryButton = byId('error-retry', HTMLButtonElement);

  constructor(private readonly api: TodoApi) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.add();
    });
    this.input.addEventListener('input', () => this.showInputError(null));
    this.clearDoneButton.addEventListener('click', () => void this.clearDone());
    byId('error-dismiss', HTMLButtonElement).addEventListener('click', () => this.hideError());
    this.retryButton.addEventListener('click', () => {
      const retry = this.retry;
      this.hideError();
      retry?.();
    });
    window.addEventListener('hashchange', () => {
      this.filter = filterFromHash(location.hash);
      this.render();
    });
  }

  start(): void {
    this.render();
    void this.load();
  }

  private async load(): Promise<void> {
    this.loading = true;
    this.loadFailed = false;
    this.render();
    try {
      this.todos = await this.api.listAll();
      this.hideError();
    } catch (error) {
      this.loadFailed = true;
      this.showError(toErrorInfo(error), () => void this.load());
    } finally {
      this.loading = false;
      this.render();
    }
  }

  private async add(): Promise<void> {
    if (this.adding) return;
    const typed = this.input.value;
    const check = checkTitle(typed);
    if (!check.ok) {
      this.showInputError(check.message);
      this.input.focus();
      return;
    }
    this.setAdding(true);
    try {
      const todo = await this.api.create(check.title);
      this.todos = upsertTodo(this.todos, todo);
      // Only clear what was saved: the user may have kept typing while the request ran.
      if (this.input.value === typed) this.input.value = '';
      this.hideError();
      // The API is back after a failed load: fetch the whole list rather than show a partial one.
      if (this.loadFailed) void this.load();
      this.announce(`Added “${todo.title}”. ${itemsLeftLabel(countTodos(this.todos).active)}.`);
    } catch (error) {
      this.showError(toErrorInfo(error));
    } finally {
      this.setAdding(false);
      this.render();
    }
  }

  private async toggle(id: number, completed: boolean): Promise<void> {
    const before = this.find(id);
    if (!before || this.busy.has(id)) return this.render();
    this.todos = upsertTodo(this.todos, { ...before, completed });
    await this.mutate(
      id,
      async () => {
        const saved = await this.api.update(id, { completed });
        this.todos = upsertTodo(this.todos, saved);
        this.announce(`“${saved.title}” marked ${saved.completed ? 'done' : 'not done'}.`);
      },
      () => {
        this.todos = upsertTodo(this.todos, before);
      },
    );
  }

  private startEdit(id: number): void {
    if (this.busy.has(id)) return;
    this.editingId = id;
    this.render();
    this.items.get(id)?.focusEditor();
  }

  private cancelEdit(id: number): void {
    if (this.editingId !== id) return;
    this.editingId = null;
    this.render();
    this.items.get(id)?.focusEditButton();
  }

  private async saveTitle(id: number, draft: string): Promise<void> {
    const todo = this.find(id);
    const item = this.items.get(id);
    if (!todo || !item || this.busy.has(id)) return;
    const check = checkTitle(draft);
    if (!check.ok) {
      item.showEditError(check.message);
      item.focusEditor();
      return;
    }
    if (check.title === todo.title) return this.cancelEdit(id);
    await this.mutate(id, async () => {
      const saved = await this.api.update(id, { title: check.title });
      this.todos = upsertTodo(this.todos, saved);
      this.editingId = null;
      this.announce(`Renamed to “${saved.title}”.`);
    });
    // On failure the row stays in edit mode with the draft untouched; either way focus stays in the row.
    if (this.editingId === id) this.items.get(id)?.focusEditor();
    else this.items.get(id)?.focusEditButton();
  }

  private async remove(id: number): Promise<void> {
    const todo = this.find(id);
    if (!todo || this.busy.has(id)) return;
    await this.mutate(id, async () => {
      await this.api.remove(id);
      this.todos = removeTodo(this.todos, id);
      this.announce(`Deleted “${todo.title}”. ${itemsLeftLabel(countTodos(this.todos).active)}.`);
    });
  }

  private async clearDone(): Promise<void> {
    const done = this.todos.filter((todo) => todo.completed && !this.busy.has(todo.id));
    if (done.length === 0) return;
    done.forEach((todo) => this.busy.add(todo.id));
    this.render();
    const results = await Promise.allSettled(done.map((todo) => this.api.remove(todo.id)));
    const failures: unknown[] = [];
    results.forEach((result, index) => {
      const todo = done[index];
      if (!todo) return;
      this.busy.delete(todo.id);
      if (result.status === 'fulfilled' || toErrorInfo(result.reason).status === 404) {
        this.todos = removeTodo(this.todos, todo.id);
      } else {
        failures.push(result.reason);
      }
    });
    const [firstFailure] = failures;
    if (firstFailure === undefined) {
      this.hideError();
      this.announce(`Cleared ${done.length} done ${done.length === 1 ? 'todo' : 'todos'}.`);
    } else {
      const info = toErrorInfo(firstFailure);
      this.showError({ ...info, message: `Could not clear ${failures.length} of ${done.length} done todos. ${info.message}` });
    }
    this.render();
    if (!this.list.contains(document.activeElement)) this.clearDoneButton.focus();
  }

  /** Runs one change to a todo: marks the row busy, and on failure undoes it and shows why. */
  private async mutate(id: number, change: () => Promise<void>, undo?: () => void): Promise<void> {
    this.busy.add(id);
    this.render();
    try {
      await change();
      this.hideError();
    } catch (error) {
      undo?.();
      const info = toErrorInfo(error);
      // Somebody else deleted it: the list was stale, so drop the row as well as saying so.
      if (info.status === 404) {
        this.todos = removeTodo(this.todos, id);
        if (this.editingId === id) this.editingId = null;
      }
      this.showError(info);
    } finally {
      this.busy.delete(id);
      this.render();
    }
  }

  private find(id: number): Todo | undefined {
    return this.todos.find((todo) => todo.id === id);
  }

  private render(): void {
    const counts = countTodos(this.todos);
    const visible = filterTodos(this.todos, this.filter);

    this.loadingNote.hidden = !this.loading;
    this.list.setAttribute('aria-busy', String(this.loading));
    this.emptyNote.hidden = this.loading || visible.length > 0;
    this.emptyNote.textContent = this.loadFailed ? 'Your todos could not be loaded.' : emptyMessage(this.filter, counts);
    this.itemsLeft.textContent = this.loadFailed ? '' : itemsLeftLabel(counts.active);
    this.clearDoneButton.disabled = counts.done === 0;
    this.clearDoneButton.textContent = counts.done > 0 ? `Clear done (${counts.done})` : 'Clear done';
    for (const filter of FILTERS) {
      const link = document.querySelector(`[data-filter="${filter}"]`);
      if (filter === this.filter) link?.setAttribute('aria-current', 'page');
      else link?.removeAttribute('aria-current');
    }
    this.renderItems(visible);
  }

  /** Updates rows in place and moves only the ones out of order, so focus is never dropped needlessly. */
  private renderItems(visible: Todo[]): void {
    const wanted = new Set(visible.map((todo) => todo.id));
    const focusedIndex = [...this.list.children].findIndex((child) => child.contains(document.activeElement));
    let lostFocus = false;
    for (const [id, item] of this.items) {
      if (wanted.has(id)) continue;
      lostFocus ||= item.element.contains(document.activeElement);
      item.element.remove();
      this.items.delete(id);
    }
    visible.forEach((todo, index) => {
      let item = this.items.get(todo.id);
      if (!item) {
        item = new TodoItem(todo, {
          toggle: (id, completed) => void this.toggle(id, completed),
          remove: (id) => void this.remove(id),
          startEdit: (id) => this.startEdit(id),
          saveTitle: (id, draft) => void this.saveTitle(id, draft),
          cancelEdit: (id) => this.cancelEdit(id),
        });
        this.items.set(todo.id, item);
      }
      item.update(todo, { busy: this.busy.has(todo.id), editing: this.editingId === todo.id });
      if (this.list.children[index] !== item.element) this.list.insertBefore(item.element, this.list.children[index] ?? null);
    });
    if (lostFocus) {
      const next = visible[Math.min(focusedIndex, visible.length - 1)];
      if (next) this.items.get(next.id)?.focusToggle();
      else this.input.focus();
    }
  }

  private setAdding(adding: boolean): void {
    this.adding = adding;
    this.addButton.disabled = adding;
    this.form.setAttribute('aria-busy', String(adding));
    this.addButton.textContent = adding ? 'Adding…' : 'Add';
  }

  private showInputError(message: string | null): void {
    this.inputError.textContent = message ?? '';
    this.inputError.hidden = message === null;
    if (message === null) this.input.removeAttribute('aria-invalid');
    else this.input.setAttribute('aria-invalid', 'true');
  }

  private showError(info: ApiErrorInfo, retry?: () => void): void {
    this.bannerMessage.textContent = info.message;
    this.bannerRequestId.textContent = info.requestId ?? '';
    this.bannerRequest.hidden = info.requestId === null;
    // Until the list has loaded once, every banner offers to load it again.
    retry ??= this.loadFailed ? () => void this.load() : undefined;
    this.retry = retry ?? null;
    this.retryButton.hidden = !retry;
    this.banner.hidden = false;
  }

  private hideError(): void {
    this.banner.hidden = true;
    this.retry = null;
  }

  private announce(message: string): void {
    this.status.textContent = message;
  }
}
