/** The analytics API's answers (src/modules/analytics/model.ts), as the console reads them. */
import type { AnalyticsFigures } from '../../../store/analytics-types.ts';
import { api, type Query } from '../api.ts';

/** The store's figures plus the rates the service derives (src/modules/analytics/service.ts). */
export type Figures = AnalyticsFigures & { error_rate: number; cache_hit_rate: number };

export interface Timeseries {
  bucket: string;
  results: (Figures & { time: string })[];
}

export interface Breakdown {
  results: (Figures & { key: string | null; label: string | null })[];
}

export const analytics = {
  summary: (q: Query) => api<Figures>('analytics/summary', { query: q, scoped: true }),
  timeseries: (q: Query) => api<Timeseries>('analytics/timeseries', { query: q, scoped: true }),
  breakdown: (q: Query) => api<Breakdown>('analytics/breakdown', { query: q, scoped: true }),
};
