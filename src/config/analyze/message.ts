/**
 * The shape of an analysis finding, as `istioctl analyze -o json` prints it.
 */
export type Level = 'Error' | 'Warning' | 'Info';

export interface AnalysisMessage {
  /** Istio analyzer code (IST0101, …) or a Trellis code (TRL…) where Istio has none. */
  code: string;
  level: Level;
  message: string;
  /** `Kind namespace/name` of the object the message is about. */
  origin: string;
  /** `file:line` of the field the message is about. */
  reference: string;
}
