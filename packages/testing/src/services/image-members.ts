/** One project's membership of a shared image, as Glance v2 keeps it. */
export interface ImageMember {
  imageId: string;
  /** The member project's id: Glance takes any string and never checks it with Keystone */
  memberId: string;
  status: 'pending' | 'accepted' | 'rejected';
  createdAt: string;
  updatedAt: string;
}

const STATUSES: readonly ImageMember['status'][] = ['pending', 'accepted', 'rejected'];

/** An answer of the members API: a status and a JSON body, or an error message for the service's own error page. */
export type MembersAnswer = { status: number; body: unknown } | { status: number; error: string };

/**
 * Glance v2's image members (`/v2/images/{id}/members[/{member}]`) on the fake Glance's images:
 * the owner shares a `shared` image with a project (pending), which accepts or rejects it (only the
 * member itself may); the owner sees every member, a member only itself. What the fake Glance asks
 * of it: whether a project may see a shared image, and in which member status.
 */
export class ImageMembers {
  private readonly members = new Map<string, ImageMember>();

  /** The member status of `projectId` for the image; undefined when it is no member. */
  statusOf(imageId: string, projectId: string | undefined): ImageMember['status'] | undefined {
    return projectId === undefined ? undefined : this.members.get(key(imageId, projectId))?.status;
  }

  create(image: { id: string; owner: string; visibility: string }, projectId: string | undefined, body: unknown): MembersAnswer {
    if (image.owner !== projectId) return { status: 403, error: 'You are not permitted to create image members for the image.' };
    if (image.visibility !== 'shared') return { status: 403, error: `Only shared images have members.` };
    const memberId = isObject(body) && typeof body.member === 'string' && body.member !== '' ? body.member : undefined;
    if (!memberId) return { status: 400, error: 'Member to be added not specified' };
    if (this.members.has(key(image.id, memberId))) return { status: 409, error: `Member ${memberId} already exists for image ${image.id}` };
    const now = timestamp();
    const member: ImageMember = { imageId: image.id, memberId, status: 'pending', createdAt: now, updatedAt: now };
    this.members.set(key(image.id, memberId), member);
    return { status: 200, body: render(member) };
  }

  list(image: { id: string; owner: string }, projectId: string | undefined): MembersAnswer {
    const all = [...this.members.values()].filter((member) => member.imageId === image.id);
    const seen = image.owner === projectId ? all : all.filter((member) => member.memberId === projectId);
    return { status: 200, body: { members: seen.map(render), schema: '/v2/schemas/members' } };
  }

  show(image: { id: string; owner: string }, projectId: string | undefined, memberId: string): MembersAnswer {
    const member = this.members.get(key(image.id, memberId));
    if (!member || (image.owner !== projectId && memberId !== projectId)) return { status: 404, error: `Member ${memberId} not found` };
    return { status: 200, body: render(member) };
  }

  update(image: { id: string }, projectId: string | undefined, memberId: string, body: unknown): MembersAnswer {
    const member = this.members.get(key(image.id, memberId));
    if (!member) return { status: 404, error: `Member ${memberId} not found` };
    if (memberId !== projectId) return { status: 403, error: 'You are not permitted to modify this image member.' };
    const status = isObject(body) ? STATUSES.find((known) => known === body.status) : undefined;
    if (!status) return { status: 400, error: `Status must be one of ${STATUSES.join(', ')}` };
    Object.assign(member, { status, updatedAt: timestamp() });
    return { status: 200, body: render(member) };
  }

  remove(image: { id: string; owner: string }, projectId: string | undefined, memberId: string): MembersAnswer {
    if (image.owner !== projectId) return { status: 403, error: 'You are not permitted to delete image members for the image.' };
    if (!this.members.delete(key(image.id, memberId))) return { status: 404, error: `Member ${memberId} not found` };
    return { status: 204, body: undefined };
  }

  /** Every member of an image deleted with it. */
  forget(imageId: string): void {
    for (const [id, member] of this.members) if (member.imageId === imageId) this.members.delete(id);
  }
}

function render(member: ImageMember): Record<string, unknown> {
  return { created_at: member.createdAt, image_id: member.imageId, member_id: member.memberId, schema: '/v2/schemas/member', status: member.status, updated_at: member.updatedAt };
}

function key(imageId: string, memberId: string): string {
  return `${imageId}\n${memberId}`;
}

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
