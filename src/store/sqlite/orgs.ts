import { count, eq } from 'drizzle-orm';
import { newId } from '../../lib/ids.ts';
import type { Organization, OrgStore } from '../types.ts';
import type { SqliteDb } from './index.ts';
import { organizations } from './schema.ts';

export class SqliteOrgStore implements OrgStore {
  constructor(private readonly db: SqliteDb) {}

  async create(name: string): Promise<Organization> {
    const org = { id: newId('org'), name, created_at: Date.now() };
    this.db.insert(organizations).values(org).run();
    return org;
  }

  async getByName(name: string): Promise<Organization | null> {
    return this.db.select().from(organizations).where(eq(organizations.name, name)).get() ?? null;
  }

  async get(id: string): Promise<Organization | null> {
    return this.db.select().from(organizations).where(eq(organizations.id, id)).get() ?? null;
  }

  async count(): Promise<number> {
    return this.db.select({ n: count() }).from(organizations).get()?.n ?? 0;
  }
}
