import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from './owner-column.ts';

/** `read`: GET requests only; `read_write`: everything a session can do except managing API keys. */
export const API_KEY_SCOPES = ['read', 'read_write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** A bearer API key (`plk_…`). Shown once at creation; only its SHA-256 is stored. */
export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    apiKeyId: uuidPrimaryKey(),
    user: ownerColumn('api_keys_user_id_index'),
    name: p.string().length(100),
    /** First characters of the key, for recognising it in lists. */
    prefix: p.string().length(16),
    keyHash: p.string().length(64).unique('api_keys_key_hash_unique'),
    /** Keys made before scopes existed could write, so the column's default keeps them working. */
    scope: p.enum(API_KEY_SCOPES).default('read_write'),
    createdAt: createdAtColumn(),
    /** Null: never expires. */
    expiresAt: p.datetime().nullable(),
    lastUsedAt: p.datetime().nullable(),
  },
});
export type ApiKey = InferEntity<typeof ApiKeySchema>;
