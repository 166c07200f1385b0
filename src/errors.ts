/**
 * The one error hierarchy. Every HTTP status the gateway answers with is chosen
 * in these classes, one file per family under src/errors/; code imports them
 * from here. `src/http/errors.ts` only renders them into the wire shapes
 * (`{"detail"}` on the management API, OpenAI's `{"error"}` on proxy routes).
 */
export * from './errors/base.ts';
export * from './errors/request.ts';
export * from './errors/limits.ts';
export * from './errors/storage.ts';
export * from './errors/proxy.ts';
