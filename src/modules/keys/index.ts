/** `/temporary-keys/`: API keys managed over HTTP, scoped to the caller's organization. */
import { Elysia } from 'elysia';
import { requireAuth } from '../../http/auth.ts';
import type { ApiKeyPatch, ApiKeyRecord } from '../../store/key-types.ts';
import { KeyCreateBody, KeyCreated, KeyList, KeyPatchBody, KeyView } from './model.ts';
import type { KeyService } from './service.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const toMs = (s: string | null | undefined) => (s === undefined ? undefined : s === null ? null : Date.parse(s));

export function viewKey(r: ApiKeyRecord) {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    environment: r.environment,
    is_test: r.environment === 'test',
    role: r.role,
    created_at: new Date(r.created_at).toISOString(),
    expiry_date: iso(r.expires_at),
    max_usage: r.max_usage,
    usage_count: r.usage_count,
    rate_limit: r.rate_limit,
    spending_limit: r.spending_limit,
    spent: r.spent,
    revoked: r.revoked_at !== null,
    last_used_at: iso(r.last_used_at),
  };
}

export function keyRoutes(keys: KeyService, now: () => number) {
  return new Elysia({ prefix: '/temporary-keys', detail: { tags: ['API keys'] } })
    // Every key may read and revoke its own record; the service applies the rest of the rules (policy.ts).
    .use(requireAuth(keys, { read: 'read_only', write: 'read_only' }))
    .post(
      '/',
      async ({ body, principal, set }) => {
        const { record, key } = await keys.createAs(principal, {
          name: body.name,
          environment: body.is_test === undefined ? principal.environment : body.is_test ? 'test' : 'prod',
          // Never admin unless an admin asks for it.
          role: body.role ?? 'member',
          expires_at: toMs(body.expiry_date),
          max_usage: body.max_usage,
          rate_limit: body.rate_limit,
          spending_limit: body.spending_limit,
        });
        set.status = 201;
        return { ...viewKey(record), api_key: key };
      },
      { body: KeyCreateBody, response: { 201: KeyCreated } },
    )
    .get(
      '/',
      async ({ principal }) => {
        const all = await keys.listAs(principal);
        return { count: all.length, next: null, previous: null, results: all.map(viewKey) };
      },
      { response: KeyList },
    )
    // Any key's own record, without knowing its id (a member cannot list keys to find it).
    .get('/me', async ({ principal }) => viewKey(await keys.getAs(principal, principal.keyId)), {
      response: KeyView,
      detail: { summary: "The calling key's own record (any role)" },
    })
    .get('/:id', async ({ params, principal }) => viewKey(await keys.getAs(principal, params.id)), {
      response: KeyView,
    })
    .patch(
      '/:id',
      async ({ params, body, principal }) => {
        const patch: ApiKeyPatch = {
          name: body.name,
          role: body.role,
          expires_at: toMs(body.expiry_date),
          max_usage: body.max_usage,
          rate_limit: body.rate_limit,
          spending_limit: body.spending_limit,
          revoked_at: body.revoked === undefined ? undefined : body.revoked ? now() : null,
        };
        for (const k of Object.keys(patch) as (keyof ApiKeyPatch)[]) if (patch[k] === undefined) delete patch[k];
        return viewKey(await keys.updateAs(principal, params.id, patch));
      },
      { body: KeyPatchBody, response: KeyView },
    )
    .delete('/:id', async ({ params, principal, set }) => {
      await keys.deleteAs(principal, params.id);
      set.status = 204;
      return null;
    });
}
