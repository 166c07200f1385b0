/**
 * `/models/public` (no auth): every model the gateway can route and price.
 * `/models/` and `/models/{model_name}/`: the caller organization's custom
 * models. Names may contain slashes (`azure/my-gpt`), so the detail routes
 * take the rest of the path.
 */
import { Elysia } from 'elysia';
import { MANAGEMENT_ACCESS, requireAuth } from '../../http/auth.ts';
import type { ModelRegistry } from '../../pricing/registry.ts';
import type { CustomModelPatch, CustomModelRecord } from '../../store/model-types.ts';
import type { Authenticator } from '../../principal.ts';
import { ModelCreateBody, ModelPatchBody, ModelView } from './model.ts';
import type { ModelsService } from './service.ts';

function view(r: CustomModelRecord) {
  const { org_id: _o, created_at, updated_at, ...rest } = r;
  return { ...rest, created_at: new Date(created_at).toISOString(), updated_at: new Date(updated_at).toISOString() };
}

/** `azure%2Fx/` or `azure/x/` -> `azure/x`. */
function nameFrom(rest: string): string {
  return decodeURIComponent(rest.replace(/\/+$/, ''));
}

export function publicModelRoutes(registry: ModelRegistry) {
  return new Elysia({ detail: { tags: ['Models'] } }).get('/models/public', () => registry.publicModels(), {
    detail: { summary: 'Every routable model with its context window and prices (USD per 1M tokens); no auth' },
  });
}

export function modelRoutes(auth: Authenticator, models: ModelsService) {
  return new Elysia({ prefix: '/models', detail: { tags: ['Models'] } })
    .use(requireAuth(auth, MANAGEMENT_ACCESS))
    .get('/', async ({ principal }) => {
      const all = await models.list(principal.orgId);
      return { count: all.length, next: null, previous: null, results: all.map(view) };
    })
    .post(
      '/',
      async ({ body, principal, set }) => {
        set.status = 201;
        return view(await models.create(principal.orgId, body));
      },
      { body: ModelCreateBody, response: { 201: ModelView } },
    )
    .get('/*', async ({ params, principal }) => view(await models.get(principal.orgId, nameFrom(params['*']))), {
      response: ModelView,
    })
    .patch(
      '/*',
      async ({ params, body, principal }) => {
        const patch: CustomModelPatch = {};
        for (const [k, v] of Object.entries(body)) if (v !== undefined) (patch as Record<string, unknown>)[k] = v;
        return view(await models.update(principal.orgId, nameFrom(params['*']), patch));
      },
      { body: ModelPatchBody, response: ModelView },
    )
    .delete('/*', async ({ params, principal, set }) => {
      await models.delete(principal.orgId, nameFrom(params['*']));
      set.status = 204;
      return null;
    });
}
