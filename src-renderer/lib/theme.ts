import { storedTheme, type ThemeChoice } from './prefs.js';

const mq = () => window.matchMedia('(prefers-color-scheme: dark)');

/** The theme in effect for a choice: "system" follows the operating system. */
export function effectiveTheme(choice: ThemeChoice): 'light' | 'dark' {
  if (choice !== 'system') return choice;
  return mq().matches ? 'dark' : 'light';
}

let current: ThemeChoice = 'system';

/** Sets `data-theme` on <html> (the stylesheets key the dark tokens on it). */
export function applyTheme(choice: ThemeChoice): void {
  current = choice;
  document.documentElement.dataset.theme = effectiveTheme(choice);
}

/** At start: the stored choice, and "system" keeps following the OS while the page is open. */
export function initTheme(): void {
  applyTheme(storedTheme());
  mq().addEventListener('change', () => {
    if (current === 'system') applyTheme('system');
  });
}
