/** `/prompts/`: prompt templates and their versions, scoped to the caller's organization. */
import { Elysia } from 'elysia';
import { MANAGEMENT_ACCESS, requireAuth } from '../../http/auth.ts';
import type { Authenticator } from '../../principal.ts';
import {
  PromptCreateBody,
  PromptList,
  PromptPatchBody,
  PromptPathParams,
  PromptView,
  VersionCreateBody,
  VersionList,
  VersionPatchBody,
  VersionPathParams,
  VersionView,
} from './model.ts';
import { type PromptService, parseVersionNumber } from './service.ts';
import { viewPrompt, viewVersion } from './view.ts';

export function promptRoutes(auth: Authenticator, prompts: PromptService) {
  const detail = async (orgId: string, promptId: string) => {
    const p = await prompts.get(orgId, promptId);
    return viewPrompt(p, await prompts.listVersions(orgId, promptId), true);
  };
  const liveOf = async (orgId: string, promptId: string) => (await prompts.get(orgId, promptId)).live_version;

  return new Elysia({ prefix: '/prompts', detail: { tags: ['Prompts'] } })
    .use(requireAuth(auth, MANAGEMENT_ACCESS))
    .post(
      '/',
      async ({ body, principal, set }) => {
        const p = await prompts.create(principal.orgId, body);
        set.status = 201;
        return viewPrompt(p, [], true);
      },
      { body: PromptCreateBody, response: { 201: PromptView }, detail: { summary: 'Create a prompt' } },
    )
    .get(
      '/',
      async ({ principal }) => {
        const all = await prompts.list(principal.orgId);
        const results = await Promise.all(
          all.map(async (p) => viewPrompt(p, await prompts.listVersions(principal.orgId, p.id), false)),
        );
        return { count: results.length, next: null, previous: null, results };
      },
      { response: PromptList, detail: { summary: 'List prompts' } },
    )
    .get('/:prompt_id', ({ params, principal }) => detail(principal.orgId, params.prompt_id), {
      params: PromptPathParams,
      response: PromptView,
      detail: { summary: 'A prompt with its versions and its live version' },
    })
    .patch(
      '/:prompt_id',
      async ({ params, body, principal }) => {
        await prompts.update(principal.orgId, params.prompt_id, body);
        return detail(principal.orgId, params.prompt_id);
      },
      { params: PromptPathParams, body: PromptPatchBody, response: PromptView, detail: { summary: 'Rename or describe' } },
    )
    .delete(
      '/:prompt_id',
      async ({ params, principal, set }) => {
        await prompts.delete(principal.orgId, params.prompt_id);
        set.status = 204;
        return null;
      },
      { params: PromptPathParams, detail: { summary: 'Delete a prompt and all its versions' } },
    )
    .post(
      '/:prompt_id/versions',
      async ({ params, body, principal, set }) => {
        const v = await prompts.createVersion(principal.orgId, params.prompt_id, body);
        set.status = 201;
        return viewVersion(v, await liveOf(principal.orgId, params.prompt_id));
      },
      {
        params: PromptPathParams,
        body: VersionCreateBody,
        response: { 201: VersionView },
        detail: { summary: 'Create the next version (numbered 1, 2, ...); deploy: true makes it live' },
      },
    )
    .get(
      '/:prompt_id/versions',
      async ({ params, principal }) => {
        const live = await liveOf(principal.orgId, params.prompt_id);
        const results = (await prompts.listVersions(principal.orgId, params.prompt_id)).map((v) =>
          viewVersion(v, live),
        );
        return { count: results.length, next: null, previous: null, results };
      },
      { params: PromptPathParams, response: VersionList, detail: { summary: 'List versions, oldest first' } },
    )
    .get(
      '/:prompt_id/versions/:version',
      async ({ params, principal }) => {
        const v = await prompts.getVersion(principal.orgId, params.prompt_id, parseVersionNumber(params.version));
        return viewVersion(v, await liveOf(principal.orgId, params.prompt_id));
      },
      { params: VersionPathParams, response: VersionView, detail: { summary: 'One version' } },
    )
    .patch(
      '/:prompt_id/versions/:version',
      async ({ params, body, principal }) => {
        const n = parseVersionNumber(params.version);
        const v = await prompts.updateVersion(principal.orgId, params.prompt_id, n, body);
        return viewVersion(v, await liveOf(principal.orgId, params.prompt_id));
      },
      {
        params: VersionPathParams,
        body: VersionPatchBody,
        response: VersionView,
        detail: { summary: 'Edit a never-deployed version, and/or deploy it with {"deploy": true}' },
      },
    )
    .delete(
      '/:prompt_id/versions/:version',
      async ({ params, principal, set }) => {
        await prompts.deleteVersion(principal.orgId, params.prompt_id, parseVersionNumber(params.version));
        set.status = 204;
        return null;
      },
      { params: VersionPathParams, detail: { summary: 'Delete a version (not the live one)' } },
    );
}
