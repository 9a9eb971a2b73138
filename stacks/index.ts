/**
 * `pulumi up` entry (Pulumi.yaml `main`). The Node.js language host imports this module and
 * runs its default export; the returned object becomes the stack outputs.
 */
import { runPlatform } from './program.js';

export default runPlatform;
