/**
 * A worker thread that asks /health every 100 ms and posts each answer's
 * start (epoch ms) and duration: on a thread of its own, so the fuzzer's work
 * (building megabyte bodies) does not count against the gateway.
 */
declare const self: Worker;

let running = true;
self.onmessage = async (e: MessageEvent<{ base?: string; stop?: boolean }>) => {
  if (e.data.stop) {
    running = false;
    return;
  }
  while (running) {
    const at = Date.now();
    const t0 = performance.now();
    try {
      await (await fetch(`${e.data.base}/health`, { signal: AbortSignal.timeout(5000) })).arrayBuffer();
    } catch {
      // A timeout counts as its full duration.
    }
    self.postMessage({ at, ms: performance.now() - t0 });
    await Bun.sleep(100);
  }
  self.postMessage({ done: true });
};
