/**
 * Blue/green deployments behind the built-in router: canary, linear, alarms, the ready wait and a
 * worker killed between steps. The scenarios are in test/helpers/blue-green-suite.ts.
 */
import { blueGreenSuite } from '../helpers/blue-green-suite.js';

blueGreenSuite('builtin', { full: true });
