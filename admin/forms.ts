// Turning API validation failures into per-field messages.
import { ApiError, errorMessage } from './api-client.ts';

/** Field name → message shown under that field. */
export type FieldErrors = Record<string, string>;

/** What a form shows in its FormError summary. */
export interface FormProblem {
  message: string;
  /** Links in the summary; `fieldId` is the id of the input to focus. */
  issues?: Array<{ fieldId?: string; message: string }>;
}

/**
 * Splits an error into messages for known fields (keyed by the first segment of each detail's
 * dotted path: "allowedOrigins.1" → allowedOrigins, prefixed "Item 2: ") and the form-level
 * message. Unknown paths stay in the summary.
 */
export function splitApiError(
  err: unknown,
  fieldIds: Record<string, string>,
  labelItem: (field: string, index: number) => string = (_f, i) => `Item ${i + 1}`,
): { fields: FieldErrors; problem: FormProblem } {
  const fields: FieldErrors = {};
  const issues: NonNullable<FormProblem['issues']> = [];
  if (err instanceof ApiError) {
    for (const issue of err.fieldIssues) {
      const [field, index] = issue.path.split('.');
      const itemIndex = index !== undefined && /^\d+$/.test(index) ? Number(index) : null;
      const message = itemIndex === null ? issue.message : `${labelItem(field, itemIndex)}: ${issue.message}`;
      if (field in fieldIds) {
        fields[field] = fields[field] ? `${fields[field]} · ${message}` : message;
        issues.push({ fieldId: fieldIds[field], message });
      } else {
        issues.push({ message: issue.path ? `${issue.path}: ${issue.message}` : issue.message });
      }
    }
  }
  return { fields, problem: { message: errorMessage(err), issues } };
}

/** The summary for errors found before sending. */
export function clientProblem(fields: FieldErrors, fieldIds: Record<string, string>): FormProblem {
  return {
    message: Object.keys(fields).length === 1 ? 'There is a problem with this form' : 'There are problems with this form',
    issues: Object.entries(fields).map(([field, message]) => ({ fieldId: fieldIds[field], message })),
  };
}
