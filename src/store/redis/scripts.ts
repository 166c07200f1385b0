/** The Lua scripts of the Redis backend, each with lua/lib.lua in front. */
import cacheSet from './lua/cache-set.lua' with { type: 'text' };
import committed from './lua/committed.lua' with { type: 'text' };
import lib from './lua/lib.lua' with { type: 'text' };
import publish from './lua/publish.lua' with { type: 'text' };
import rateLimit from './lua/rate-limit.lua' with { type: 'text' };
import release from './lua/release.lua' with { type: 'text' };
import reserve from './lua/reserve.lua' with { type: 'text' };
import settle from './lua/settle.lua' with { type: 'text' };
import { LuaScript } from './script.ts';

const script = (source: string) => new LuaScript(`${lib}\n${source}`);

export const SCRIPTS = {
  rateLimit: script(rateLimit),
  reserve: script(reserve),
  settle: script(settle),
  release: script(release),
  committed: script(committed),
  cacheSet: script(cacheSet),
  publish: script(publish),
};
