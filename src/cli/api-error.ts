/** The `message` of a headroom JSON error body, or the body itself when it is not one. */
export function apiErrorMessage(status: number, text: string): string {
  let message = text;
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {}
  return `headroom answered ${status}: ${message}`;
}
