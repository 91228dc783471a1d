/**
 * Zero-downtime in-place deployments behind the built-in router (router/, started as its own process).
 * The scenarios are shared with the other driver: see test/helpers/load-balancer-suite.ts.
 */
import { loadBalancerSuite } from '../helpers/load-balancer-suite.js';

loadBalancerSuite('builtin');
