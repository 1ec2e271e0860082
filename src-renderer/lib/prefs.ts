/**
 * Preferences of this browser (not of the server): theme and do-not-disturb. Kept in localStorage
 * so they apply before the first request; the store mirrors them for components.
 */
export type ThemeChoice = 'system' | 'light' | 'dark';

const THEME_KEY = 'gatehouse.theme';
const DND_KEY = 'gatehouse.dnd';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode or storage full: the choice lasts for this page only.
  }
}

export function storedTheme(): ThemeChoice {
  const v = read(THEME_KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

export function storeTheme(t: ThemeChoice): void {
  write(THEME_KEY, t);
}

export function storedDnd(): boolean {
  return read(DND_KEY) === '1';
}

export function storeDnd(on: boolean): void {
  write(DND_KEY, on ? '1' : '0');
}
