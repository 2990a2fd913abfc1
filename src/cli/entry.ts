/**
 * Process entry: runs `main` with the process's arguments and sets the exit status.
 * (`bin/trellis.js` loads the compiled copy; in development run `node --import tsx src/cli/entry.ts`.)
 */
import { main } from './main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
