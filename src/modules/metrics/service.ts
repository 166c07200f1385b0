/**
 * The scrape side of the metrics: reads the figures kept elsewhere (span
 * writer, database size, process), resolves organization and key ids to their
 * names and prefixes, and renders the exposition text. With
 * `metrics.require_key`, a caller's key is required and only its
 * organization's series are shown, beside the gateway-wide ones.
 */
import type { RenderOptions } from '../../lib/prometheus.ts';
import type { Store } from '../../store/types.ts';
import type { SpanWriterStats } from '../../store/writer.ts';
import type { KeyService } from '../keys/service.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import { EventLoopLag } from './runtime.ts';

export interface MetricsSources {
  store: Store;
  writer: { stats(): SpanWriterStats };
  keys: KeyService;
  version: string;
  requireKey: boolean;
}

export class MetricsService {
  private readonly orgNames = new Map<string, string>();
  private readonly keyPrefixes = new Map<string, string>();
  private readonly lag: EventLoopLag;

  constructor(
    readonly recorder: GatewayMetrics,
    private readonly src: MetricsSources,
  ) {
    recorder.buildInfo.child(src.version).value = 1;
    recorder.startTime.child().value = Math.round(performance.timeOrigin) / 1000;
    this.lag = new EventLoopLag(recorder.eventLoopLag.child());
  }

  /** Starts sampling event-loop lag (the server does; tests need not). */
  start(): void {
    this.lag.start();
  }

  stop(): void {
    this.lag.stop();
  }

  /** The exposition text; `key` is the caller's API key, checked only with require_key. */
  async scrape(key: string | null): Promise<string> {
    const org = this.src.requireKey ? (await this.src.keys.authenticate(key)).orgId : null;
    await this.refresh();
    await this.resolveNames();
    const opts: RenderOptions = {
      display: (label, v) => (label === 'organization' ? this.orgNames.get(v) : label === 'key_prefix' ? this.keyPrefixes.get(v) : v) ?? v,
    };
    if (org !== null) {
      opts.keep = (names, values) => {
        const i = names.indexOf('organization');
        return i < 0 || values[i] === org;
      };
    }
    return this.recorder.registry.render(opts);
  }

  /** Figures read when scraped rather than counted as they happen. */
  private async refresh(): Promise<void> {
    const m = this.recorder;
    const w = this.src.writer.stats();
    m.writerQueue.child().value = w.queued;
    m.writerWritten.child().value = w.written;
    m.writerFailed.child().value = w.failed;
    m.writerDropped.child().value = w.refused;
    m.databaseSize.child().value = await this.src.store.sizeBytes();
    m.rss.child().value = process.memoryUsage.rss();
    const cpu = process.cpuUsage();
    m.cpu.child().value = (cpu.user + cpu.system) / 1e6;
  }

  /** Names and prefixes never change, so each id is looked up once. */
  private async resolveNames(): Promise<void> {
    const registry = this.recorder.registry;
    const orgIds = [...registry.valuesOf('organization')].filter(Boolean);
    for (const id of orgIds) {
      if (this.orgNames.has(id)) continue;
      this.orgNames.set(id, (await this.src.store.orgs.get(id))?.name ?? id);
    }
    const unknownKeys = [...registry.valuesOf('key_prefix')].filter((id) => id && !this.keyPrefixes.has(id));
    if (unknownKeys.length === 0) return;
    for (const org of orgIds) for (const k of await this.src.store.keys.list(org)) this.keyPrefixes.set(k.id, k.prefix);
    // A deleted key keeps its id as its label.
    for (const id of unknownKeys) if (!this.keyPrefixes.has(id)) this.keyPrefixes.set(id, id);
  }
}
