/**
 * The Kubernetes kinds Trellis reads besides Istio's: Service, Deployment and Pod. Only the fields
 * Trellis uses are typed (the objects themselves may carry many more, which are accepted and
 * ignored). camelCase as in the Kubernetes API; every field optional. Types only.
 */

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type KubeProtocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePort {
  /** Required when the Service has more than one port; a DNS-1123 label. */
  name?: string;
  protocol?: KubeProtocol;
  /** E.g. `http`, `grpc`, `kubernetes.io/h2c`; Istio uses it to pick the protocol. */
  appProtocol?: string;
  port?: number;
  /** A container port number, or the name of a container port. Defaults to `port`. */
  targetPort?: number | string;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: ServiceType;
  ports?: ServicePort[];
  selector?: Record<string, string>;
  /** An IP, `None` (headless) or empty (allocate). */
  clusterIP?: string;
  clusterIPs?: string[];
  externalName?: string;
  sessionAffinity?: 'ClientIP' | 'None';
}

export interface LabelSelectorRequirement {
  key?: string;
  operator?: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface EnvVar {
  name?: string;
  value?: string;
  /** References to Secrets, ConfigMaps or fields; Trellis does not resolve them. */
  valueFrom?: unknown;
}

export interface ContainerPort {
  name?: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: KubeProtocol;
}

export interface Container {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  ports?: ContainerPort[];
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  serviceAccountName?: string;
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; name?: string };
  spec?: PodSpec;
}

export interface DeploymentSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: PodTemplateSpec;
}
