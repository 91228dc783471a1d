/** The TrafficRouter for a deployment's loadBalancerInfo: the one place that knows the drivers. */
import type { LoadBalancerInfo } from '../domain/load-balancer.js';
import { TrafficRouterError, type TrafficRouter } from './traffic-router.js';
import { BuiltinRouter } from './builtin/builtin-router.js';
import { HaproxyRouter } from './haproxy/haproxy-router.js';

export function createTrafficRouter(lb: LoadBalancerInfo, options: { timeoutMs: number }): TrafficRouter {
  switch (lb.driver) {
    case 'builtin':
      if (!lb.builtin) throw new TrafficRouterError('builtin', 'loadBalancerInfo.builtin (adminUrl, adminToken) is missing.');
      return new BuiltinRouter({ adminUrl: lb.builtin.adminUrl, adminToken: lb.builtin.adminToken, pool: lb.targetGroupName, timeoutMs: options.timeoutMs });
    case 'haproxy':
      if (!lb.haproxy) throw new TrafficRouterError('haproxy', 'loadBalancerInfo.haproxy (socketPath) is missing.');
      return new HaproxyRouter({ socketPath: lb.haproxy.socketPath, backend: lb.targetGroupName, timeoutMs: options.timeoutMs });
  }
}
