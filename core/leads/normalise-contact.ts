/** Lower-cased, trimmed email, or null when empty. Validation happens in the zod schemas. */
export function normaliseEmail(input: string | null | undefined): string | null {
  const s = input?.trim().toLowerCase();
  return s ? s : null;
}

// Phone rules are shared with the browser (the widget's and admin's forms check them too).
export { normalisePhone } from '../shared/contact-rules.ts';
