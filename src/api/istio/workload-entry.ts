/**
 * Istio `networking.istio.io` WorkloadEntry spec (also the shape of ServiceEntry `endpoints`
 * and of the WorkloadGroup `template`). Field names as in the CRD; every field is optional,
 * as in proto3. Types only: validation lives in `config/kinds/`.
 */

export interface WorkloadEntry {
  /** IP address, FQDN (DNS resolution / standalone entries) or `unix:///path` / `unix://@abstract`. */
  address?: string;
  /** Port name (a ServiceEntry port name) to endpoint port number. */
  ports?: Record<string, number>;
  labels?: Record<string, string>;
  network?: string;
  /** `region/zone/subzone`. */
  locality?: string;
  weight?: number;
  serviceAccount?: string;
}
