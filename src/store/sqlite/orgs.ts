import { count, eq } from 'drizzle-orm';
import { newId } from '../../lib/ids.ts';
import type { Organization, OrgStore } from '../key-types.ts';
import type { SqliteDb } from './local.ts';
import { organizations } from './schema.ts';

export class SqliteOrgStore implements OrgStore {
  constructor(private readonly db: SqliteDb) {}

  async ensure(name: string): Promise<{ org: Organization; firstStart: boolean }> {
    // IMMEDIATE: the count and the insert happen under the write lock, so of several
    // gateways starting together on one file exactly one sees the first start.
    return this.db.transaction(
      (tx) => {
        const firstStart = (tx.select({ n: count() }).from(organizations).get()?.n ?? 0) === 0;
        const existing = tx.select().from(organizations).where(eq(organizations.name, name)).get();
        if (existing) return { org: existing, firstStart };
        const org = { id: newId('org'), name, created_at: Date.now() };
        tx.insert(organizations).values(org).run();
        return { org, firstStart };
      },
      { behavior: 'immediate' },
    );
  }

  async getByName(name: string): Promise<Organization | null> {
    return this.db.select().from(organizations).where(eq(organizations.name, name)).get() ?? null;
  }

  async get(id: string): Promise<Organization | null> {
    return this.db.select().from(organizations).where(eq(organizations.id, id)).get() ?? null;
  }
}
