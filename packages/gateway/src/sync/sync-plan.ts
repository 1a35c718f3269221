import type { KeystoneProject, ProjectChanges } from '@k2k/keystone';

/** What one IdP project should look like at a service provider. */
export interface WantedMirror {
  /** The IdP project it mirrors */
  sourceId: string;
  /** What links the mirror to it at the SP (the link tag's value): the IdP project id, or its pseudonym in reseller mode */
  link: string;
  name: string;
  description: string;
  enabled: boolean;
}

/** One change a sync round makes at a service provider. */
export type SyncStep =
  | { kind: 'create'; wanted: WantedMirror }
  | { kind: 'update'; mirror: KeystoneProject; wanted: WantedMirror; changes: ProjectChanges }
  /** The IdP project is gone (or out of scope): delete the mirror, or disable it */
  | { kind: 'delete'; mirror: KeystoneProject; link: string }
  | { kind: 'disable'; mirror: KeystoneProject; link: string }
  /** A mirror whose group grant is missing (a round that stopped between create and grant) */
  | { kind: 'grant'; mirror: KeystoneProject };

/** The tag linking a mirror to what it mirrors. */
export function linkTag(spTag: string, link: string): string {
  return `${spTag}:${link}`;
}

/**
 * The steps that make an SP's mirrors (the projects carrying `spTag`) match the wanted ones:
 * missing ones created, differing ones updated (name, description, enabled), orphans deleted or
 * disabled, missing grants given. Nothing when they already match: a second round is a no-op.
 * `granted` is the mirrors' ids that have the grant, undefined when no grant is configured.
 */
export function planSync(wanted: WantedMirror[], mirrors: KeystoneProject[], spTag: string, onDelete: 'delete' | 'disable', granted: Set<string> | undefined): SyncStep[] {
  const byLink = new Map<string, KeystoneProject>();
  const orphans: { mirror: KeystoneProject; link: string }[] = [];
  for (const mirror of mirrors) {
    const link = linkOf(mirror, spTag);
    // A second mirror of the same project (two hosts racing past an expired lease) is an orphan.
    if (link === undefined || byLink.has(link)) orphans.push({ mirror, link: link ?? '' });
    else byLink.set(link, mirror);
  }
  const steps: SyncStep[] = [];
  const wantedLinks = new Set<string>();
  for (const want of wanted) {
    wantedLinks.add(want.link);
    const mirror = byLink.get(want.link);
    if (!mirror) {
      steps.push({ kind: 'create', wanted: want });
      continue;
    }
    const changes = differences(mirror, want);
    if (Object.keys(changes).length > 0) steps.push({ kind: 'update', mirror, wanted: want, changes });
    if (granted && !granted.has(mirror.id)) steps.push({ kind: 'grant', mirror });
  }
  for (const [link, mirror] of byLink) if (!wantedLinks.has(link)) orphans.push({ mirror, link });
  for (const { mirror, link } of orphans) {
    if (onDelete === 'delete') steps.push({ kind: 'delete', mirror, link });
    else if (mirror.enabled) steps.push({ kind: 'disable', mirror, link });
  }
  return steps;
}

function linkOf(mirror: KeystoneProject, spTag: string): string | undefined {
  const prefix = linkTag(spTag, '');
  return mirror.tags.find((tag) => tag.startsWith(prefix))?.slice(prefix.length);
}

function differences(mirror: KeystoneProject, want: WantedMirror): ProjectChanges {
  return {
    ...(mirror.name !== want.name && { name: want.name }),
    ...(mirror.description !== want.description && { description: want.description }),
    ...(mirror.enabled !== want.enabled && { enabled: want.enabled }),
  };
}
