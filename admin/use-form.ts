// The state every admin form keeps: values as typed, an error per field, the summary at the top
// (FormError) and a busy flag while sending. `submit` checks the values first, then sends them;
// an API error's field issues land under their inputs and the rest in the summary.
import { useState } from 'preact/hooks';
import { clientProblem, type FieldErrors, type FormProblem, splitApiError } from './forms.ts';

/** What a failed send shows: messages per field and the summary. */
export interface ShownError {
  fields: FieldErrors;
  problem: FormProblem;
}

export interface FormOptions<V> {
  initial: V | (() => V);
  /** Field name → id of its input, so the summary can link to it. */
  ids: Record<string, string>;
  /** Mistakes found before sending (none: an empty object). Default: none. */
  validate?(values: V): FieldErrors;
  /** Sends the values. A rejection is shown (see `explain`); the form stays as typed. */
  send(values: V): Promise<void>;
  /** Rewords a failed send, e.g. for one error code. Default: the API's messages as they are. */
  explain?(err: unknown, shown: ShownError): ShownError;
  /** Names an item of a list field in messages ("allowedOrigins.1" → "Origin 2"). Default "Item N". */
  labelItem?(field: string, index: number): string;
}

export interface FormState<V> {
  values: V;
  setValues(update: (values: V) => V): void;
  /** An onInput / onChange handler that stores the element's value under `key`. */
  set(key: keyof V): (e: { currentTarget: { value: string } }) => void;
  errors: FieldErrors;
  problem: FormProblem | null;
  busy: boolean;
  /** The form's onSubmit. */
  submit(e: Event): Promise<void>;
  /** Props wiring an input to the string value `key`: `<Field label="Email" {...form.field('email')} />`. */
  field(key: keyof V & string): { id: string | undefined; name: string; value: string; error: string | undefined; onInput: (e: { currentTarget: { value: string } }) => void };
}

export function useForm<V>({ initial, ids, validate, send, explain, labelItem }: FormOptions<V>): FormState<V> {
  const [values, setValues] = useState<V>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);

  const set = (key: keyof V) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setValues((v) => ({ ...v, [key]: value }));
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = validate?.(values) ?? {};
    setErrors(found);
    if (Object.keys(found).length) {
      setProblem(clientProblem(found, ids));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await send(values);
    } catch (err) {
      const split = splitApiError(err, ids, labelItem);
      const shown = explain ? explain(err, split) : split;
      setErrors(shown.fields);
      setProblem(shown.problem);
    } finally {
      // After a send that navigates or closes the form this updates nothing (Preact ignores it).
      setBusy(false);
    }
  };

  const field = (key: keyof V & string) => ({ id: ids[key], name: key, value: String(values[key]), error: errors[key], onInput: set(key) });

  return { values, setValues, set, errors, problem, busy, submit, field };
}
