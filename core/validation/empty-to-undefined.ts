// Query strings cannot say "absent" for a field a form always sends: `?status=&cursor=` means "no
// filter", so optional query fields read an empty string as undefined before their own schema runs.

/** `''` becomes undefined; anything else passes through. Use as `z.preprocess(emptyToUndefined, schema.optional())`. */
export function emptyToUndefined(v: unknown): unknown {
  return v === '' ? undefined : v;
}
