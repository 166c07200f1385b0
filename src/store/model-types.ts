/** Custom models of an organization (`/api/models/`), as the store keeps them. */

/** A custom model of one organization (`/api/models/`); prices USD per 1M tokens, null = built-in. */
export interface CustomModelRecord {
  org_id: string;
  model_name: string;
  base_model_name: string | null;
  provider_id: string;
  input_cost: number | null;
  output_cost: number | null;
  cache_hit_input_cost: number | null;
  cache_creation_input_cost: number | null;
  max_context_window: number | null;
  created_at: number;
  updated_at: number;
}

export type CustomModelPatch = Partial<Omit<CustomModelRecord, 'org_id' | 'model_name' | 'created_at'>>;

export interface ModelStore {
  list(orgId: string): Promise<CustomModelRecord[]>;
  get(orgId: string, name: string): Promise<CustomModelRecord | null>;
  /** False when the organization already has a model of that name. */
  insert(rec: CustomModelRecord): Promise<boolean>;
  update(orgId: string, name: string, patch: CustomModelPatch): Promise<CustomModelRecord | null>;
  delete(orgId: string, name: string): Promise<boolean>;
}
