import { docker } from './docker.js';
import { pollUntil } from './poll.js';

/**
 * `docker compose down` has removed the containers and volumes but refused a
 * network: "error while removing network: ... has active endpoints". Docker
 * Engine 20.10 (Debian 12's docker.io, these machines) sometimes releases a
 * removed container's endpoint late, or keeps a stale one
 * (moby/moby#43286, moby/moby#42119); compose gives up at once.
 */
export function isActiveEndpointsError(error: unknown): boolean {
  return error instanceof Error && /has active endpoints/.test(error.message);
}

interface NetworkEndpoints {
  Name: string;
  Containers: Record<string, { Name: string }> | null;
}

/** The ids of the networks Compose created for a project, as its label says. */
export async function projectNetworks(project: string): Promise<string[]> {
  return (await docker('network', 'ls', '--quiet', '--filter', `label=com.docker.compose.project=${project}`)).split('\n').filter(Boolean);
}

/**
 * Removes what is left of a compose project's networks: each endpoint the
 * daemon still lists is force-disconnected (the documented cure for a stale
 * one), then the network is removed again, within a retry budget. Returns the
 * endpoints it had to disconnect, so a teardown can say so; throws with the
 * daemon's last answer if a network survives the budget.
 */
export async function removeProjectNetworks(project: string, options: { timeoutMs?: number } = {}): Promise<string[]> {
  const ids = await projectNetworks(project);
  const disconnected: string[] = [];
  for (const id of ids) {
    await pollUntil(
      async () => {
        const inspected = await docker('network', 'inspect', id).catch((error: unknown) => {
          // Gone already (compose's own removal finished late): nothing left to do.
          if (error instanceof Error && /No such network/i.test(error.message)) return null;
          throw error;
        });
        if (inspected === null) return true;
        const [network] = JSON.parse(inspected) as NetworkEndpoints[];
        for (const [endpoint, { Name }] of Object.entries(network?.Containers ?? {})) {
          await docker('network', 'disconnect', '--force', id, endpoint).then(
            () => disconnected.push(`${network!.Name}: ${Name}`),
            () => undefined,
          );
        }
        await docker('network', 'rm', id);
        return true;
      },
      (removed) => removed,
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 1_000, what: `removing network ${id} of compose project ${project}` },
    );
  }
  return disconnected;
}

/**
 * The teardown's answer to a network that outlived compose down: remove the
 * project's networks, and say what happened. When the engine keeps refusing with no
 * endpoint left to disconnect, its endpoint count is stale and only a daemon
 * restart clears it (moby/moby#43286): the network is left behind with a
 * warning, because every test of the file has already reported and a leaked
 * bridge network on a throwaway machine is not their outcome.
 */
export async function recoverRefusedNetworks(project: string, options: { timeoutMs?: number } = {}): Promise<void> {
  try {
    const disconnected = await removeProjectNetworks(project, options);
    const listed = disconnected.join(', ') || 'nothing listed';
    console.warn(`[teardown] ${project}'s network outlived compose down; removed it after disconnecting: ${listed}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(`[teardown] ${project}'s network outlived compose down and the engine still refuses it; left behind: ${reason}`);
  }
}

/**
 * Runs a compose project's `down` and then makes sure its networks are gone:
 * after the engine's refusal above, and after Compose itself skipped a
 * network it saw in use ("Resource is still in use", docker/compose#10555),
 * which it reports with exit code 0. Any other failure of `down` is thrown.
 */
export async function composeDown(project: string, down: () => Promise<unknown>, options: { timeoutMs?: number } = {}): Promise<void> {
  try {
    await down();
  } catch (error) {
    if (!isActiveEndpointsError(error)) throw error;
  }
  if ((await projectNetworks(project)).length > 0) await recoverRefusedNetworks(project, options);
}
