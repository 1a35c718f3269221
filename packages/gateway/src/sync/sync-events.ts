import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { SyncConfig } from '../config/sync-config.js';

/** What happened to a project at a service provider, as Keystone's own notifications name it. */
export type ProjectAction = 'created' | 'updated' | 'deleted';

/** One change made by the sync, for its CADF event. */
export interface ProjectChange {
  action: ProjectAction;
  serviceProvider: string;
  /** The project at the SP */
  projectId: string;
  projectName: string;
  /** The link tag that ties it to the IdP project */
  linkTag: string;
  /** The IdP project it mirrors, when known (a deleted one is known by its link tag alone) */
  sourceId?: string;
  /** What changed (attribute -> new value) for an update; 'disabled' when a deletion was mirrored by disabling */
  changes?: Record<string, unknown>;
}

/** Keystone's notification envelope with a CADF event as payload (what `notification_format = cadf` emits). */
export interface ProjectEvent {
  event_type: `identity.project.${ProjectAction}`;
  priority: 'INFO';
  publisher_id: string;
  timestamp: string;
  payload: Record<string, unknown>;
}

const HOOK_TIMEOUT_MS = 10_000;

/** The CADF event of a change: initiator the sync service, target the project at the SP, observer that SP. */
export function projectEvent(change: ProjectChange, now = new Date()): ProjectEvent {
  const host = hostname();
  return {
    event_type: `identity.project.${change.action}`,
    priority: 'INFO',
    publisher_id: `k2k-gateway.sync.${host}`,
    timestamp: now.toISOString(),
    payload: {
      typeURI: 'http://schemas.dmtf.org/cloud/audit/1.0/event',
      id: randomUUID(),
      eventTime: now.toISOString(),
      eventType: 'activity',
      action: `${change.action}.project`,
      outcome: 'success',
      initiator: { typeURI: 'service', id: 'k2k-gateway-sync', name: 'k2k-gateway sync', host: { address: host, agent: 'k2k-gateway' } },
      target: { typeURI: 'data/security/project', id: change.projectId, name: change.projectName },
      observer: { typeURI: 'service/security', id: change.serviceProvider },
      attachments: [
        {
          name: 'k2k-sync',
          typeURI: 'mime:application/json',
          content: {
            service_provider: change.serviceProvider,
            link_tag: change.linkTag,
            ...(change.sourceId && { idp_project_id: change.sourceId }),
            ...(change.changes && { changes: change.changes }),
          },
        },
      ],
    },
  };
}

/** Sends an event where `sync.events` says: a JSON line appended to a file, or a POST to a hook. */
export type EventSink = (event: ProjectEvent) => Promise<void>;

export function eventSink(events: SyncConfig['events']): EventSink {
  if (events === undefined) return async () => undefined;
  if ('file' in events) {
    // One append per line: with O_APPEND, lines from several processes do not interleave.
    return (event) => appendFile(events.file, `${JSON.stringify(event)}\n`, { mode: 0o600 });
  }
  return async (event) => {
    const response = await fetch(events.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event),
      signal: AbortSignal.timeout(HOOK_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`the event hook answered ${response.status}`);
  };
}
