/**
 * Zero-downtime in-place deployments behind HAProxy (a real haproxy process with a generated config, driven over its runtime API).
 * The scenarios are shared with the other driver: see test/helpers/load-balancer-suite.ts.
 */
import { loadBalancerSuite } from '../helpers/load-balancer-suite.js';

loadBalancerSuite('haproxy');
