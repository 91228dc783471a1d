/**
 * Blue/green behind HAProxy (its runtime API): the canary's measured share. The other scenarios
 * run behind the built-in router; the weights they set go through the same TrafficRouter calls.
 */
import { blueGreenSuite } from '../helpers/blue-green-suite.js';

blueGreenSuite('haproxy', { full: false });
