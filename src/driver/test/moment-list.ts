/**
 * The tree of "moments" a domain owns (virdomainmomentobjlist.c): the common
 * part of its snapshot and checkpoint lists. Children are kept newest
 * first, as libvirt links them, so listings walk in libvirt's order.
 */
import { ErrorCode, ErrorDomain, VirtError } from '../../errors.js';

/** What every moment definition has (virDomainMomentDef). */
export interface MomentDef {
  name: string;
  parent?: string;
}

/** A moment in its domain's tree (virDomainMomentObj). */
export interface MomentObj<D extends MomentDef> {
  def: D;
  parent: MomentObj<D> | null;
  /** Newest first (virDomainMomentSetParent prepends). */
  children: MomentObj<D>[];
}

/**
 * virDomainMomentListFlags: the common listing flags the snapshot and
 * checkpoint flags are translated into. DESCENDANTS shares ROOTS' bit: the
 * meaning depends on whether the listing starts at a moment.
 */
export const MomentListFlags = {
  ROOTS: 1, DESCENDANTS: 1, TOPOLOGICAL: 2, LEAVES: 4, NO_LEAVES: 8, METADATA: 16, NO_METADATA: 32,
} as const;

/** A domain's moments (virDomainMomentObjList). */
export class MomentList<D extends MomentDef> {
  readonly #objs = new Map<string, MomentObj<D>>();
  /** Children of the metaroot: the root moments. */
  #roots: MomentObj<D>[] = [];
  current: MomentObj<D> | null = null;

  get size(): number {
    return this.#objs.size;
  }

  find(name: string): MomentObj<D> | undefined {
    return this.#objs.get(name);
  }

  all(): MomentObj<D>[] {
    return [...this.#objs.values()];
  }

  /** virDomainMomentAssignDef. */
  assign(def: D): MomentObj<D> {
    if (this.#objs.has(def.name)) {
      throw VirtError.report(ErrorCode.OPERATION_FAILED, ErrorDomain.DOMAIN, `domain moment ${def.name} already exists`);
    }
    const obj: MomentObj<D> = { def, parent: null, children: [] };
    this.#objs.set(def.name, obj);
    return obj;
  }

  /** virDomainMomentLinkParent: under the named parent, or a root. */
  linkParent(obj: MomentObj<D>): void {
    const parent = obj.def.parent !== undefined ? this.#objs.get(obj.def.parent) ?? null : null;
    this.#setParent(obj, parent);
  }

  #childrenOf(parent: MomentObj<D> | null): MomentObj<D>[] {
    return parent ? parent.children : this.#roots;
  }

  #setParent(obj: MomentObj<D>, parent: MomentObj<D> | null): void {
    obj.parent = parent;
    this.#childrenOf(parent).unshift(obj);
  }

  /** virDomainMomentDropParent. */
  dropParent(obj: MomentObj<D>): void {
    const list = this.#childrenOf(obj.parent);
    const i = list.indexOf(obj);
    if (i >= 0) list.splice(i, 1);
    obj.parent = null;
  }

  /** virDomainMomentMoveChildren: `from`'s children go in front of `to`'s. */
  moveChildren(from: MomentObj<D>, to: MomentObj<D> | null): void {
    for (const c of from.children) c.parent = to;
    const list = this.#childrenOf(to);
    list.unshift(...from.children);
    from.children = [];
  }

  /** Removes from the list; true when it was the current moment. */
  remove(obj: MomentObj<D>): boolean {
    this.#objs.delete(obj.def.name);
    const wasCurrent = this.current === obj;
    if (wasCurrent) this.current = null;
    return wasCurrent;
  }

  /** Pre-order walk of the descendants (virDomainMomentForEachDescendant). */
  descendants(obj: MomentObj<D> | null): MomentObj<D>[] {
    const out: MomentObj<D>[] = [];
    const walk = (list: MomentObj<D>[]) => {
      for (const c of [...list]) {
        out.push(c);
        walk(c.children);
      }
    };
    walk(this.#childrenOf(obj));
    return out;
  }

  /** Re-links every moment after a bulk load (virDomainMomentUpdateRelations). */
  updateRelations(): boolean {
    this.#roots = [];
    for (const o of this.#objs.values()) { o.children = []; o.parent = null; }
    let ok = true;
    for (const o of this.#objs.values()) {
      let parent: MomentObj<D> | null = null;
      if (o.def.parent !== undefined) {
        parent = this.#objs.get(o.def.parent) ?? null;
        if (!parent) ok = false;
      }
      this.#setParent(o, parent);
    }
    // A cycle leaves moments unreachable from the roots.
    if (this.descendants(null).length !== this.#objs.size) ok = false;
    return ok;
  }

  /**
   * virDomainMomentCheckCycles: a redefinition must name an existing
   * parent that is not itself, nor one of its own descendants.
   */
  checkCycles(def: D): void {
    if (def.parent === undefined) return;
    if (def.parent === def.name) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN, `cannot set moment ${def.name} as its own parent`);
    }
    let other = this.#objs.get(def.parent);
    if (!other) {
      throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
        `parent ${def.parent} for moment ${def.name} not found`);
    }
    // libvirt follows the parent names up and names the moment whose parent is `def`.
    const seen = new Set<MomentObj<D>>();
    while (other.def.parent !== undefined && !seen.has(other)) {
      seen.add(other);
      if (other.def.parent === def.name) {
        throw VirtError.report(ErrorCode.INVALID_ARG, ErrorDomain.DOMAIN,
          `parent ${other.def.name} would create cycle to ${def.name}`);
      }
      const next = this.#objs.get(other.def.parent);
      if (!next) break;
      other = next;
    }
  }

  /**
   * virDomainMomentObjListGetNames: the moments under `from` (null: the
   * whole list) that pass the MomentListFlags filters and `filter`.
   */
  collect(from: MomentObj<D> | null, flags: number, filter: (def: D) => boolean = () => true): MomentObj<D>[] {
    const F = MomentListFlags;
    // Both metadata filters set, or none: no filtering. NO_METADATA alone
    // matches nothing, as every moment here has metadata.
    if ((flags & (F.METADATA | F.NO_METADATA)) === F.NO_METADATA) return [];
    let candidates: MomentObj<D>[];
    const descend = from === null ? !(flags & F.ROOTS) : !!(flags & F.DESCENDANTS);
    if (descend) {
      candidates = from === null && !(flags & F.TOPOLOGICAL) ? this.all() : this.descendants(from);
    } else {
      candidates = [...this.#childrenOf(from)];
    }
    return candidates.filter((o) => {
      if ((flags & F.LEAVES) && o.children.length > 0) return false;
      if ((flags & F.NO_LEAVES) && o.children.length === 0) return false;
      return filter(o.def);
    });
  }
}
