/**
 * Process entry: runs `main` with the process's arguments and sets the exit status.
 * (`bin/trellis.js` loads the compiled copy; in development run `node --import tsx src/cli/entry.ts`.)
 * A process started by `trellis up` also watches its parent (parent-watch.ts).
 */
import { main } from './main.js';
import { watchParent } from './parent-watch.js';

watchParent();

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
