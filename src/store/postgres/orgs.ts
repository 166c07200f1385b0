import { count, eq, sql } from 'drizzle-orm';
import { newId } from '../../lib/ids.ts';
import type { Organization, OrgStore } from '../key-types.ts';
import type { PgDb } from './db.ts';
import { organizations } from './schema.ts';

/** One advisory lock key for "the first organization", shared by every gateway on the database. */
const FIRST_START_LOCK = 0x5359_4f52;

export class PgOrgStore implements OrgStore {
  constructor(private readonly db: PgDb) {}

  async ensure(name: string): Promise<{ org: Organization; firstStart: boolean }> {
    // Under one transaction-scoped lock, so of several gateways starting together exactly one sees the first start.
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${FIRST_START_LOCK})`);
      const firstStart = ((await tx.select({ n: count() }).from(organizations))[0]?.n ?? 0) === 0;
      const [existing] = await tx.select().from(organizations).where(eq(organizations.name, name));
      if (existing) return { org: existing, firstStart };
      const org = { id: newId('org'), name, created_at: Date.now() };
      await tx.insert(organizations).values(org);
      return { org, firstStart };
    });
  }

  async getByName(name: string): Promise<Organization | null> {
    return (await this.db.select().from(organizations).where(eq(organizations.name, name)))[0] ?? null;
  }

  async get(id: string): Promise<Organization | null> {
    return (await this.db.select().from(organizations).where(eq(organizations.id, id)))[0] ?? null;
  }
}
