/** Request and response schemas of `/prompts/`. Unknown fields are a 422 naming them. */
import { t } from 'elysia';
import type { Static } from '@sinclair/typebox';
import { ChatMessage } from '../../schemas/openai.ts';
import { PromptVersionParams } from '../../schemas/prompt.ts';

const Strict = { additionalProperties: false } as const;

export const PromptCreateBody = t.Object(
  {
    name: t.Optional(t.String({ minLength: 1, maxLength: 255 })),
    description: t.Optional(t.String({ maxLength: 10_000 })),
  },
  Strict,
);

export const PromptPatchBody = PromptCreateBody;

const Messages = t.Array(ChatMessage, { minItems: 1 });

export const VersionCreateBody = t.Object(
  {
    messages: Messages,
    ...PromptVersionParams,
    /** Make this version the live one as it is created. */
    deploy: t.Optional(t.Boolean()),
  },
  Strict,
);
export type VersionCreateBody = Static<typeof VersionCreateBody>;

export const VersionPatchBody = t.Object(
  {
    messages: t.Optional(Messages),
    ...PromptVersionParams,
    model: t.Optional(PromptVersionParams.model),
    /** true deploys this version; false on the live version is refused (deploy another instead). */
    deploy: t.Optional(t.Boolean()),
  },
  Strict,
);
export type VersionPatchBody = Static<typeof VersionPatchBody>;

export const PromptPathParams = t.Object({ prompt_id: t.String() });
export const VersionPathParams = t.Object({ prompt_id: t.String(), version: t.String() });

const Nullable = <S extends Parameters<typeof t.Union>[0][number]>(s: S) => t.Union([s, t.Null()]);

export const VersionView = t.Object({
  prompt_id: t.String(),
  version: t.Integer(),
  messages: t.Array(ChatMessage),
  variables: t.Array(t.String()),
  model: t.String(),
  temperature: Nullable(t.Number()),
  max_tokens: Nullable(t.Integer()),
  top_p: Nullable(t.Number()),
  frequency_penalty: Nullable(t.Number()),
  presence_penalty: Nullable(t.Number()),
  stop: t.Unknown(),
  tools: t.Unknown(),
  tool_choice: t.Unknown(),
  response_format: t.Unknown(),
  fallback_models: Nullable(t.Array(t.String())),
  load_balance_models: t.Unknown(),
  /** This version is the live one. `deploy` is the same flag under the reference's field name. */
  is_deployed: t.Boolean(),
  deploy: t.Boolean(),
  /** False once the version has ever been deployed. */
  editable: t.Boolean(),
  deployed_at: Nullable(t.String()),
  created_at: t.String(),
  updated_at: t.String(),
});

export const PromptView = t.Object({
  prompt_id: t.String(),
  name: t.String(),
  description: t.String(),
  created_at: t.String(),
  updated_at: t.String(),
  /** The newest version. */
  current_version: Nullable(VersionView),
  /** The deployed version, which a chat call without `prompt.version` uses. */
  live_version: Nullable(VersionView),
  version_count: t.Integer(),
  /** Every version, oldest first (detail only). */
  versions: t.Optional(t.Array(VersionView)),
});

const page = <S extends Parameters<typeof t.Array>[0]>(item: S) =>
  t.Object({ count: t.Integer(), next: t.Null(), previous: t.Null(), results: t.Array(item) });

export const PromptList = page(PromptView);
export const VersionList = page(VersionView);
