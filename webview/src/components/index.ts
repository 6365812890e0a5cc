/**
 * The dashboard's component layer: the only module that knows which UI kit draws the controls.
 * Today that is @vscode/webview-ui-toolkit (deprecated upstream, archived in 2025, still working);
 * moving to another kit means changing this folder and nothing else.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeDataGrid,
  vsCodeDataGridCell,
  vsCodeDataGridRow,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeTextField,
  vsCodeBadge,
  vsCodeProgressRing,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerComponents(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeDataGrid(),
    vsCodeDataGridCell(),
    vsCodeDataGridRow(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeTextField(),
    vsCodeBadge(),
    vsCodeProgressRing(),
  );
}

export interface Column<Row> {
  key: keyof Row & string;
  title: string;
  /** CSS grid width, e.g. '2fr' or '90px'. */
  width: string;
}

/** A button; `appearance` follows VS Code's primary/secondary buttons. */
export function button(label: string, onClick: () => void, appearance: 'primary' | 'secondary' = 'secondary'): HTMLElement {
  const b = document.createElement('vscode-button');
  b.setAttribute('appearance', appearance);
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  if (disabled) el.setAttribute('disabled', '');
  else el.removeAttribute('disabled');
}

/** A text field that reports its value as the user types. */
export function textField(placeholder: string, value: string, onInput: (value: string) => void, label: string): HTMLElement {
  const f = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  f.setAttribute('placeholder', placeholder);
  f.setAttribute('aria-label', label);
  f.value = value;
  f.addEventListener('input', () => onInput(f.value));
  return f;
}

/** A dropdown of options; labels are set as text. */
export function dropdown(label: string, options: Array<[value: string, label: string]>, value: string, onChange: (v: string) => void): HTMLElement {
  const d = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  d.setAttribute('aria-label', label);
  d.title = label;
  for (const [v, text] of options) {
    const o = document.createElement('vscode-option');
    o.setAttribute('value', v);
    o.textContent = text;
    if (v === value) o.setAttribute('selected', '');
    d.appendChild(o);
  }
  d.addEventListener('change', () => onChange(d.value));
  return d;
}

export function badge(text: string): HTMLElement {
  const b = document.createElement('vscode-badge');
  b.textContent = text;
  return b;
}

export interface Grid<Row> {
  element: HTMLElement;
  setRows(rows: Row[]): void;
  /** Shows only these columns (in the order given to `dataGrid`), e.g. fewer on a narrow page. */
  setVisibleColumns(keys: ReadonlyArray<keyof Row & string>): void;
}

/**
 * A data grid. Cells are bound by the kit as text nodes, so row values (workspace text) can never
 * become markup. `onSelect` fires when a row is clicked or focused with the keyboard.
 */
export function dataGrid<Row extends object>(
  label: string,
  columns: Array<Column<Row>>,
  onSelect: (row: Row) => void,
  onSort: (key: keyof Row & string) => void,
  onOpen?: (row: Row) => void,
): Grid<Row> {
  const grid = document.createElement('vscode-data-grid') as HTMLElement & {
    rowsData: Row[];
    columnDefinitions: Array<{ columnDataKey: string; title: string }>;
  };
  grid.setAttribute('aria-label', label);
  grid.setAttribute('generate-header', 'sticky');
  const show = (shown: Array<Column<Row>>) => {
    grid.setAttribute('grid-template-columns', shown.map((c) => c.width).join(' '));
    grid.columnDefinitions = shown.map((c) => ({ columnDataKey: c.key, title: c.title }));
  };
  show(columns);
  const rowOf = (target: EventTarget | null): Row | undefined => {
    const row = (target as HTMLElement | null)?.closest?.('vscode-data-grid-row') as (HTMLElement & { rowData?: Row; rowType?: string }) | null;
    return row && row.getAttribute('row-type') !== 'header' && row.getAttribute('row-type') !== 'sticky-header' ? row.rowData : undefined;
  };
  const header = (target: EventTarget | null): string | undefined => {
    const cell = (target as HTMLElement | null)?.closest?.('vscode-data-grid-cell') as (HTMLElement & { columnDefinition?: { columnDataKey: string } }) | null;
    const type = cell?.getAttribute('cell-type');
    return type === 'columnheader' ? cell?.columnDefinition?.columnDataKey : undefined;
  };
  grid.addEventListener('click', (e) => {
    const key = header(e.target);
    if (key) return onSort(key as keyof Row & string);
    const r = rowOf(e.target);
    if (r) onSelect(r);
  });
  grid.addEventListener('row-focused', (e) => {
    const r = rowOf(e.target);
    if (r) onSelect(r);
  });
  grid.addEventListener('dblclick', (e) => {
    const r = rowOf(e.target);
    if (r && onOpen) onOpen(r);
  });
  grid.addEventListener('keydown', (e) => {
    const key = (e as KeyboardEvent).key;
    if (key !== 'Enter' && key !== ' ') return;
    const sortKey = header(e.target);
    if (sortKey) return onSort(sortKey as keyof Row & string);
    const r = rowOf(e.target);
    if (r && key === 'Enter' && onOpen) onOpen(r);
  });
  let visible = columns.map((c) => c.key).join(',');
  return {
    element: grid,
    setRows: (rows) => {
      grid.rowsData = rows;
    },
    setVisibleColumns: (keys) => {
      const next = columns.filter((c) => keys.includes(c.key));
      const id = next.map((c) => c.key).join(',');
      if (id === visible) return;
      visible = id;
      show(next);
    },
  };
}
