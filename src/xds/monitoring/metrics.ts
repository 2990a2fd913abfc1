/**
 * The control plane's Prometheus metrics, with istiod's names where istiod has one
 * (pilot/pkg/xds/monitoring.go): `pilot_xds` (connected proxies), `pilot_xds_pushes{type}`,
 * `pilot_xds_push_time{type}`, `pilot_proxy_convergence_time`, `pilot_debounce_time`,
 * `pilot_total_xds_rejects{type}` (NACKs), `pilot_total_xds_internal_errors{type}`; and Trellis's
 * own: `trellis_config_errors` (objects and documents the config store rejects now),
 * `trellis_push_convergence_time` (a whole push round, change to the last proxy's answer), plus
 * Node's process metrics. `type` is istiod's short name (cds, lds, rds, eds). Times are seconds;
 * histogram buckets are istiod's with finer ones below 100 ms, where a local control plane lives.
 *
 * Each instance has its own prom-client Registry (never the global one), so several control
 * planes (tests, benchmarks) can run in one process. Counters and histograms are fed from the ADS
 * server's events (`onEvent`); gauges read the server and the store when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { TypeUrl } from '../../api/envoy/common.js';
import type { AdsEvent } from '../types.js';

/** istiod's short metric type for a type URL (`GetMetricType`); other URLs as they are. */
export function metricType(typeUrl: string): string {
  switch (typeUrl) {
    case TypeUrl.Cluster: return 'cds';
    case TypeUrl.Listener: return 'lds';
    case TypeUrl.RouteConfiguration: return 'rds';
    case TypeUrl.ClusterLoadAssignment: return 'eds';
    default: return typeUrl;
  }
}

/** What the gauges read when scraped. */
export interface MetricsSource {
  /** Proxies (ADS connections with a node) connected now. */
  connectedProxies(): number;
  /** Config errors standing now (rejected objects and documents). */
  configErrors(): number;
}

const TYPES = ['cds', 'lds', 'rds', 'eds'];
const PUSH_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 5, 10, 20, 30];
const CONVERGENCE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 5, 10, 20, 30];

export class ControlPlaneMetrics {
  readonly registry = new Registry();
  private readonly pushes: Counter<'type'>;
  private readonly pushTime: Histogram<'type'>;
  private readonly convergence: Histogram;
  private readonly roundConvergence: Histogram;
  private readonly debounce: Histogram;
  private readonly rejects: Counter<'type'>;
  private readonly internalErrors: Counter<'type'>;

  constructor(source: MetricsSource, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    new Gauge({
      name: 'pilot_xds', help: 'Number of endpoints connected to this pilot using XDS.', registers,
      collect() { this.set(source.connectedProxies()); },
    });
    new Gauge({
      name: 'trellis_config_errors', help: 'Config objects and documents rejected by the config store (the last good version of each stays in effect).', registers,
      collect() { this.set(source.configErrors()); },
    });
    this.pushes = new Counter({ name: 'pilot_xds_pushes', help: 'Pilot build and send errors for lds, rds, cds and eds.', labelNames: ['type'], registers });
    this.pushTime = new Histogram({
      name: 'pilot_xds_push_time', help: 'Total time in seconds Pilot takes to push lds, rds, cds and eds.',
      labelNames: ['type'], buckets: PUSH_BUCKETS, registers,
    });
    this.convergence = new Histogram({
      name: 'pilot_proxy_convergence_time', help: 'Delay in seconds between config change and a proxy receiving all required configuration.',
      buckets: CONVERGENCE_BUCKETS, registers,
    });
    this.roundConvergence = new Histogram({
      name: 'trellis_push_convergence_time', help: 'Delay in seconds between config change and the last proxy of the push answering (ACK or NACK) everything pushed.',
      buckets: CONVERGENCE_BUCKETS, registers,
    });
    this.debounce = new Histogram({
      name: 'pilot_debounce_time', help: 'Delay in seconds between the first config enters debouncing and the merged push request is pushed into the push queue.',
      buckets: CONVERGENCE_BUCKETS, registers,
    });
    this.rejects = new Counter({ name: 'pilot_total_xds_rejects', help: 'Total number of XDS responses from pilot rejected by proxy.', labelNames: ['type'], registers });
    this.internalErrors = new Counter({ name: 'pilot_total_xds_internal_errors', help: 'Total number of internal XDS errors in pilot.', labelNames: ['type'], registers });
    for (const type of TYPES) {
      this.pushes.inc({ type }, 0);
      this.rejects.inc({ type }, 0);
    }
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** The ADS server's event listener (AdsServerOptions.onEvent). */
  readonly onEvent = (e: AdsEvent): void => {
    switch (e.type) {
      case 'push': {
        const type = metricType(e.typeUrl);
        this.pushes.inc({ type });
        this.pushTime.observe({ type }, Math.max(0, e.durationMs) / 1000);
        break;
      }
      case 'nack':
        this.rejects.inc({ type: metricType(e.typeUrl) });
        break;
      case 'error':
        this.internalErrors.inc({ type: metricType(e.typeUrl) });
        break;
      case 'proxy-converged':
        this.convergence.observe(Math.max(0, e.ms) / 1000);
        break;
      case 'converged':
        this.roundConvergence.observe(Math.max(0, e.ms) / 1000);
        break;
      case 'debounced':
        this.debounce.observe(Math.max(0, e.waitedMs) / 1000);
        break;
      default:
        break;
    }
  };

  /** Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
