import { UnderscoreNamingStrategy } from '@mikro-orm/postgresql';

/**
 * The seed names foreign keys after the referenced key (`leads.user_id → users.user_id`), not
 * `<property>_<key>` (`user_user_id`) as MikroORM would. When the referenced column already
 * starts with the property's name, use it as is.
 */
export class PorchlightNamingStrategy extends UnderscoreNamingStrategy {
  override joinKeyColumnName(entityName: string, referencedColumnName?: string, composite?: boolean, tableName?: string): string {
    const prefix = this.classToTableName(entityName, tableName);
    if (referencedColumnName?.startsWith(`${prefix}_`)) return referencedColumnName;
    return super.joinKeyColumnName(entityName, referencedColumnName, composite, tableName);
  }
}
