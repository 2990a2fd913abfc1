/**
 * Config stores (DESIGN.md §3): the ConfigStore contract and its implementations.
 */
export * from './types.js';
export { MemoryStore, type ObjectName } from './memory.js';
export { FileDirStore, type FileDirStoreOptions, type FileDirStats } from './file-dir.js';
export { formatChange, formatProblem } from './format.js';
