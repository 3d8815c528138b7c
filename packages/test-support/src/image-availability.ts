import { docker } from './docker.js';

export type Availability = { ok: true } | { ok: false; reason: string };

/** Whether an image is here or can be pulled; the reason when not (this workplace reaches no registry). */
export async function imageAvailability(image: string): Promise<Availability> {
  try {
    await docker('image', 'inspect', image);
    return { ok: true };
  } catch {
    // not present locally: try the registry
  }
  try {
    await docker('pull', '--quiet', image);
    return { ok: true };
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim().split('\n').pop() ?? String(error);
    return { ok: false, reason: `${image} is not present and cannot be pulled (${detail})` };
  }
}
