/** `/users`: per-customer usage summaries, the customer list and customer detail. */
import { Elysia } from 'elysia';
import { ValidationError } from '../../errors.ts';
import { MANAGEMENT_ACCESS, requireAuth } from '../../http/auth.ts';
import { scopeFrom } from '../../http/scope.ts';
import type { Principal } from '../../principal.ts';
import type { Authenticator } from '../../principal.ts';
import type { Environment } from '../../store/types.ts';
import { CustomerPatchBody, ListBody, parseFilters, parseListQuery, parseSummaryQuery } from './model.ts';
import type { CustomerService } from './service.ts';
import { dateErrors } from '../../schemas/customer.ts';

type Query = Record<string, string | undefined>;

/** `next`/`previous` as absolute URLs with the page changed, or null. */
function pageLinks(url: string, page: number, pageSize: number, count: number) {
  const link = (p: number) => {
    const u = new URL(url);
    u.searchParams.set('page', String(p));
    return u.toString();
  };
  return {
    next: page * pageSize < count ? link(page + 1) : null,
    previous: page > 1 ? link(page - 1) : null,
  };
}

/** Detail, PATCH and DELETE name one customer, so they read one environment. */
function oneEnvironment(principal: Principal, query: Query): Environment {
  const scope = scopeFrom(principal, query);
  if (scope.environments.length !== 1) {
    throw ValidationError.field('all_envs', 'a single customer lives in one environment; pick it with environment=prod|test');
  }
  return scope.environments[0] as Environment;
}

export function customerRoutes(auth: Authenticator, customers: CustomerService) {
  const list = async (principal: Principal, query: Query, url: string, filters: ReturnType<typeof parseFilters>) => {
    const p = parseListQuery(query);
    const out = await customers.list(scopeFrom(principal, query), p, filters);
    return { count: out.count, ...pageLinks(url, p.page, p.pageSize, out.count), results: out.results };
  };
  return new Elysia({ prefix: '/users', detail: { tags: ['Customers'] } })
    // POST /users/list only reads.
    .use(requireAuth(auth, { ...MANAGEMENT_ACCESS, readPosts: /\/users\/list\/?$/ }))
    .get(
      '/',
      async ({ principal, query, request }) => {
        const p = parseSummaryQuery(query);
        const out = await customers.summary(scopeFrom(principal, query), p);
        return {
          results: out.results,
          count: out.count,
          ...pageLinks(request.url, p.page, p.pageSize, out.count),
          aggregation_data: out.aggregation_data,
        };
      },
      { detail: { summary: 'Per-customer usage for a local day, week, month, year or all time' } },
    )
    .get('/list', ({ principal, query, request }) => list(principal, query, request.url, []), {
      detail: { summary: 'List customers (sort_by, page, page_size)' },
    })
    .post('/list', ({ principal, query, request, body }) => list(principal, query, request.url, parseFilters(body?.filters)), {
      body: ListBody,
      detail: { summary: 'List customers with filters' },
    })
    .get(
      '/:customer_identifier',
      ({ principal, params, query }) =>
        customers.detail(principal.orgId, oneEnvironment(principal, query), params.customer_identifier),
      { detail: { summary: 'One customer with its budget usage' } },
    )
    .patch(
      '/:customer_identifier',
      ({ principal, params, query, body }) => {
        const errors = dateErrors(body, '');
        if (Object.keys(errors).length > 0) throw new ValidationError(errors);
        return customers.update(principal.orgId, oneEnvironment(principal, query), params.customer_identifier, body);
      },
      { body: CustomerPatchBody, detail: { summary: 'Change name, email, metadata, budgets (null removes), markup' } },
    )
    .delete(
      '/:customer_identifier',
      async ({ principal, params, query, set }) => {
        await customers.remove(principal.orgId, oneEnvironment(principal, query), params.customer_identifier);
        set.status = 204;
        return null;
      },
      { detail: { summary: 'Delete a customer and its usage buckets (its spans stay)' } },
    );
}
