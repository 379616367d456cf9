import { z } from 'zod';
import { emptyToUndefined } from './empty-to-undefined.ts';

/**
 * A list query whose id filter was renamed: `name` (the documented one) and `alias` (the name the
 * route first shipped with, still accepted and marked deprecated in OpenAPI, on its parameter and
 * in its schema) both take an id; the two naming different ids is a 400 on `alias`. The parsed
 * query carries the id under `alias` only, so the code that reads it is unchanged.
 */
export function withRenamedIdFilter<S extends z.ZodRawShape, N extends string, A extends string>(
  shape: S,
  { name, alias, noun, description }: { name: N; alias: A; noun: string; description: string },
) {
  const id = () => z.preprocess(emptyToUndefined, z.uuid(`Not a ${noun} id`).optional());
  const filters = {
    [name]: id().describe(description),
    [alias]: id().meta({ deprecated: true, description: `Old name of \`${name}\`, still accepted` }),
  } as Record<N | A, ReturnType<typeof id>>;
  return z
    .strictObject({ ...shape, ...filters })
    .superRefine((q, ctx) => {
      const [given, old] = [q[name as keyof typeof q], q[alias as keyof typeof q]] as Array<string | undefined>;
      if (given && old && given.toLowerCase() !== old.toLowerCase()) {
        ctx.addIssue({ code: 'custom', path: [alias], message: `Give ${name} or its old name ${alias}, not two different ${noun}s` });
      }
    })
    .transform((q) => {
      const { [name]: given, [alias]: old, ...rest } = q as Record<string, unknown>;
      return { ...rest, [alias]: given ?? old } as Omit<z.output<z.ZodObject<S>>, N | A> & { [K in A]?: string };
    });
}
