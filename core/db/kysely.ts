import type { EntityManager, InferKyselyDB } from '@mikro-orm/postgresql';
import type { ColumnType, Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { ENTITIES } from './entities.ts';

/**
 * Typed SQL: Kysely bound to an EntityManager, with tables and row types derived from the
 * entities. Values are bound parameters (`$1`), never inlined, so arrays go as real arrays
 * (`= any(${ids})`), not hand-built literals.
 *
 * Inside `em.transactional(...)` the query runs on that transaction's connection; outside, on
 * the pool (MikroORM's `getKysely()` picks the EntityManager's current transaction context).
 */
export function db(em: EntityManager): Kysely<DB> {
  return em.getKysely<DB>();
}

/** What MikroORM infers from the entity list (before the two corrections below). */
type InferredDB = InferKyselyDB<(typeof ENTITIES)[number]>;

/**
 * MikroORM's type names a many-to-one column `<property>_<referenced key>` (`user_user_id`);
 * PorchlightNamingStrategy (naming-strategy.ts) keeps the seed's `user_id` instead, because the
 * referenced key already starts with the property's name. Same rule at the type level.
 */
type ColumnName<K> = K extends `${infer P}_${infer Rest}` ? (Rest extends `${P}_${infer Key}` ? `${P}_${Key}` : K) : K;

/**
 * The ORM's pg pool keeps timestamptz as Postgres text (`2026-11-25 06:01:55.802571+00`, see
 * createPostgreSqlTypeParsers in @mikro-orm/sql): exact to the microsecond, which keyset cursors
 * need. So a time column selects as `string` and accepts a Date or such a string on insert and
 * update; Kysely types `where` operands by the selected type, so compare with an ISO string
 * (`date.toISOString()`) or a `${key}::timestamptz` template.
 */
type TimeSelected<T> = T extends Date ? string : T;
type TimeWritten<T> = T extends Date ? Date | string : T;
type Column<V> = [V] extends [ColumnType<infer S, infer I, infer U>]
  ? ColumnType<TimeSelected<S>, TimeWritten<I>, TimeWritten<U>>
  : Date extends V
    ? ColumnType<TimeSelected<V>, TimeWritten<V>, TimeWritten<V>>
    : V;
type Table<T, Generated extends string> = {
  [K in keyof T as ColumnName<K>]: ColumnName<K> extends Generated ? ColumnType<T[K], never, never> : Column<T[K]>;
};

/**
 * Columns Postgres computes (`generated always as … stored`): selected, never inserted or updated
 * (Postgres refuses a value). MikroORM's inferred type knows no difference.
 */
interface GeneratedColumns {
  leads: 'search_text';
}

/** Every table, keyed by its real name, with its real (snake_case) column names. */
export type DB = { [T in keyof InferredDB]: Table<InferredDB[T], T extends keyof GeneratedColumns ? GeneratedColumns[T] : never> };
export type TableName = keyof DB;
/** A row as selected (`selectAll()`), inserted or updated. */
export type Row<T extends TableName> = Selectable<DB[T]>;
export type NewRow<T extends TableName> = Insertable<DB[T]>;
export type RowUpdate<T extends TableName> = Updateable<DB[T]>;
