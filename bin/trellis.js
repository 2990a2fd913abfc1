#!/usr/bin/env node
// Entry point of the `trellis` command: runs the compiled CLI (built by `npm run build`, which
// `npm ci` runs through the `prepare` script).
import '../dist/cli/entry.js';
