/**
 * Who a realtor request acts for. Every core function that reads or writes tenant data takes
 * one and filters by `userId`; ids that belong to someone else are simply not found (404).
 */
export interface Tenant {
  userId: string;
}
