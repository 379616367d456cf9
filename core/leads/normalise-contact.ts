/** Lower-cased, trimmed email, or null when empty. Validation happens in the zod schemas. */
export function normaliseEmail(input: string | null | undefined): string | null {
  const s = input?.trim().toLowerCase();
  return s ? s : null;
}

/**
 * Phone numbers compare by digits: "+1 (555) 010-0199" and "+15550100199" are one person.
 * Keeps a leading + when given; returns null for anything with fewer than 7 digits or more than 15.
 */
export function normalisePhone(input: string | null | undefined): string | null {
  if (!input) return null;
  const trimmed = input.trim();
  if (!/^[+\d\s().\-/]{1,40}$/.test(trimmed)) return null;
  const digits = trimmed.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return null;
  return (trimmed.startsWith('+') ? '+' : '') + digits;
}
