/**
 * The environment a hook script runs with. Like CodeDeploy's agent, scripts inherit the agent's
 * environment and get the deployment's variables on top. `extra` (CUTOVER_INSTALL_ROOT,
 * BUNDLE_COMMIT, --hook-env…) comes below CodeDeploy's own names so it cannot fake them.
 */
export interface HookEnvironmentInput {
  lifecycleEvent: string;
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  deploymentGroupId: string;
  extra?: Record<string, string>;
  /** The inherited environment; the agent's own by default. */
  base?: NodeJS.ProcessEnv;
}

/** A plain copy of process.env (each of whose reads is a native call), made on first use: the agent's environment does not change while it runs. */
let agentEnvironment: Record<string, string> | undefined;

export function hookEnvironment(input: HookEnvironmentInput): Record<string, string> {
  const env = input.base ? definedOnly(input.base) : { ...(agentEnvironment ??= definedOnly(process.env)) };
  Object.assign(env, input.extra ?? {});
  env.LIFECYCLE_EVENT = input.lifecycleEvent;
  env.DEPLOYMENT_ID = input.deploymentId;
  env.APPLICATION_NAME = input.applicationName;
  env.DEPLOYMENT_GROUP_NAME = input.deploymentGroupName;
  env.DEPLOYMENT_GROUP_ID = input.deploymentGroupId;
  return env;
}

function definedOnly(source: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined) env[key] = value;
  }
  return env;
}
