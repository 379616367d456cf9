import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { UserSchema } from './user.entity.ts';

/** A bearer API key (`plk_…`). Shown once at creation; only its SHA-256 is stored. */
export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    apiKeyId: p.uuid().primary().onCreate(() => crypto.randomUUID()),
    user: () => p.manyToOne(UserSchema).deleteRule('cascade').index('api_keys_user_id_index'),
    name: p.string().length(100),
    /** First characters of the key, for recognising it in lists. */
    prefix: p.string().length(16),
    keyHash: p.string().length(64).unique('api_keys_key_hash_unique'),
    createdAt: p.datetime().defaultRaw('now()').onCreate(() => new Date()),
    lastUsedAt: p.datetime().nullable(),
  },
});
export type ApiKey = InferEntity<typeof ApiKeySchema>;
