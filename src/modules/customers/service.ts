/**
 * Customers: the users page (seed 000), the list, the detail with budget
 * usage, PATCH and DELETE. Reads 15-minute buckets of one page of customers,
 * never spans.
 */
import { NotFoundError, ValidationError } from '../../errors.ts';
import { localPeriod, offsetMs, parseLocalDate, type Range } from '../../lib/periods.ts';
import type { CustomerAttributes, CustomerFilter } from '../../store/customer-types.ts';
import type { Environment, Scope, Store } from '../../store/types.ts';
import { budgetWindow } from './budget.ts';
import type { ListParams, SummaryParams } from './model.ts';
import { detailView, EMPTY_USAGE, listRow, summaryRow } from './views.ts';

export class CustomerService {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /** The UTC range of the summarized period; null for summary_type=all. */
  periodOf(p: SummaryParams): { period: Range | null; day: Range; month: Range } {
    const local = p.date === null ? this.now() - offsetMs(p.offsetHours) : parseLocalDate(p.date, p.offsetHours);
    if (local === null) {
      throw ValidationError.field('date', `must be a date or date-time in ISO format, e.g. '2024-03-09 00:00:00'; got '${p.date}'`);
    }
    return {
      period: p.summaryType === 'all' ? null : localPeriod(p.summaryType, local, p.offsetHours),
      day: localPeriod('daily', local, p.offsetHours),
      month: localPeriod('monthly', local, p.offsetHours),
    };
  }

  async summary(scope: Scope, p: SummaryParams) {
    const { period, day, month } = this.periodOf(p);
    const query = { filters: [], sort: 'first_seen' as const, desc: true, offset: (p.page - 1) * p.pageSize, limit: p.pageSize };
    const [count, page, org, figures] = await Promise.all([
      this.store.customers.count(scope, []),
      this.store.customers.list(scope, query),
      this.store.orgs.get(scope.orgId),
      this.store.customers.orgFigures(scope, period, day, month),
    ]);
    const usage = await this.store.customers.usage(page.map((c) => c.id), period, p.offsetHours);
    return {
      count,
      results: page.map((c) => summaryRow(c, org?.name ?? '', usage.get(c.id) ?? EMPTY_USAGE)),
      aggregation_data: {
        new_users: figures.new_users,
        total_users: figures.total_users,
        // Spelled as the reference spells them.
        montly_active_users: figures.monthly_active_users,
        daily_active_users: figures.daily_active_users,
        daily_requests: figures.daily_requests,
        montly_cost: Number(figures.monthly_cost.toPrecision(12)),
      },
    };
  }

  async list(scope: Scope, p: ListParams, filters: CustomerFilter[]) {
    const query = { filters, sort: p.sort, desc: p.desc, offset: (p.page - 1) * p.pageSize, limit: p.pageSize };
    const [count, rows] = await Promise.all([
      this.store.customers.count(scope, filters),
      this.store.customers.list(scope, query),
    ]);
    return { count, results: rows.map(listRow) };
  }

  async detail(orgId: string, env: Environment, identifier: string) {
    const c = await this.store.customers.get(orgId, env, identifier);
    if (!c) throw new NotFoundError('Customer not found');
    const w = budgetWindow(c, this.now());
    const [periodUsage, all] = await Promise.all([
      this.store.customers.billed(orgId, env, identifier, w),
      this.store.customers.usage([c.id], null, 0),
    ]);
    return detailView(c, all.get(c.id) ?? EMPTY_USAGE, {
      budget_duration: w.duration,
      period_start: w.start,
      period_end: w.end,
      period_state: w.state,
      total_period_usage: periodUsage,
    });
  }

  async update(orgId: string, env: Environment, identifier: string, attrs: CustomerAttributes) {
    const c = await this.store.customers.update(orgId, env, identifier, attrs, this.now());
    if (!c) throw new NotFoundError('Customer not found');
    return this.detail(orgId, env, identifier);
  }

  async remove(orgId: string, env: Environment, identifier: string): Promise<void> {
    if (!(await this.store.customers.delete(orgId, env, identifier))) throw new NotFoundError('Customer not found');
  }
}
