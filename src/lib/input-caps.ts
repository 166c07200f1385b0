/**
 * Caps on what one request may send, so that no value can cost a query, a
 * driver or the event loop more than a bounded amount of work. Each is listed
 * in docs/limits.md ("Input caps") with what a client sees past it: a 422
 * naming the field, except MAX_STORED_DEPTH, which cuts and marks instead.
 */

/** Filter conditions in one list or summary request (body filters and query-string shortcuts together). */
export const MAX_FILTERS = 20;
/**
 * Values in one filter condition. With MAX_FILTERS it keeps a statement under
 * SQLite's 32,766 bound parameters and its expression depth of 1,000 (text
 * matches become an OR of one test per value), and under PostgreSQL's 65,535.
 */
export const MAX_FILTER_VALUES = 500;
/** Characters in one filter value (a LIKE/instr pattern included: SQLite refuses patterns over 50,000 bytes). */
export const MAX_FILTER_TEXT = 4096;
/** Characters in a field name a client chooses (a metadata key in a filter or a query parameter). */
export const MAX_FIELD_NAME = 255;
/** Characters in an identifier or a name on an ingested span (trace, span, thread, prompt ids, span names). */
export const MAX_IDENTIFIER = 255;
/** Characters in a model or provider name on an ingested span. */
export const MAX_MODEL_NAME = 255;
/** Characters in `span_path`: an entity path names its ancestors. */
export const MAX_SPAN_PATH = 2048;
/** A token count on an ingested span: well within a 64-bit column once summed over a customer's spans. */
export const MAX_TOKEN_COUNT = 1e12;
/** A cost (USD) or a unit price on an ingested span. */
export const MAX_COST = 1e9;
/** A duration (seconds) on an ingested span: latency, time to first token. */
export const MAX_SECONDS = 1e9;
/** A rate (tokens per second). */
export const MAX_RATE = 1e12;
/**
 * Models a chat call may name in one list (models, fallback_models,
 * exclude_models, exclude_providers, load-balance entries, a prompt version's
 * lists), and entries of its per-provider maps (customer_credentials, ...).
 */
export const MAX_MODEL_LIST = 100;
/** Times an ingested span may carry: 1970-01-01 to 9999-12-31 (UTC), epoch ms. */
export const MIN_TIME_MS = 0;
export const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/**
 * Nesting a stored span's JSON values (input, output, metadata, the rest) keep;
 * deeper values are replaced by a marker (src/lib/json-depth.ts). Above what
 * the body parser admits, so it cuts only what reaches a service some other way.
 */
export const MAX_STORED_DEPTH = 128;
