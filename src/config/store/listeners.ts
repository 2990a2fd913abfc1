/**
 * The subscriber list a store notifies after each change. A listener that throws does not stop
 * the others nor the store: its error goes to `onError` (the store's log).
 */
import type { StoreEvent, StoreListener } from './types.js';

export class Listeners {
  private readonly fns = new Set<StoreListener>();

  constructor(private readonly onError: (e: unknown) => void = () => {}) {}

  add(fn: StoreListener): () => void {
    this.fns.add(fn);
    return () => { this.fns.delete(fn); };
  }

  emit(event: StoreEvent): void {
    for (const fn of [...this.fns]) {
      try {
        fn(event);
      } catch (e) {
        this.onError(e);
      }
    }
  }
}
