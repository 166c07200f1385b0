/**
 * Reader threads run at a lower CPU priority than the rest of the process.
 * A wide read keeps a core busy for up to its time budget; on a small
 * machine the proxy's event loop and the write thread then wait for that
 * core, which shows as the proxy's p99 while someone scans. On Linux the nice
 * value is a per-thread attribute, so a reader can lower its own priority
 * (setpriority on PRIO_PROCESS with id 0 acts on the calling thread) and
 * yield to them only when both want a core. Elsewhere, or where libc cannot
 * be loaded (musl), priorities stay as they are.
 */
import { dlopen, FFIType } from 'bun:ffi';

/** The nice value readers take (0 is the default, 19 the lowest priority). */
export const READER_NICE = 10;
const PRIO_PROCESS = 0;

/** Lowers the calling thread's priority to `nice`; false if it could not. */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const libc = dlopen('libc.so.6', { setpriority: { args: [FFIType.i32, FFIType.u32, FFIType.i32], returns: FFIType.i32 } });
    const ok = libc.symbols.setpriority(PRIO_PROCESS, 0, nice) === 0;
    libc.close();
    return ok;
  } catch {
    return false;
  }
}
