/**
 * Settings kept in the browser (theme, range, token, process view), namespaced and fail-safe:
 * storage can be disabled or full, and the dashboard must work without it.
 */
const PREFIX = 'headroom.';

export function loadSetting(key: string): string | null {
  try {
    return localStorage.getItem(PREFIX + key);
  } catch {
    return null;
  }
}

export function saveSetting(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(PREFIX + key);
    else localStorage.setItem(PREFIX + key, value);
  } catch {
    // Private mode or quota: the setting lasts for this page only.
  }
}
