/**
 * A set of the objects in flight (requests, connections): added and removed many times a second for
 * the whole life of the process, and read only at shutdown. Each member keeps the index of its
 * slot, and a freed slot is taken by the next member: once the set has held as many members at
 * once as it ever will, adding and removing allocate nothing.
 *
 * Why not a Set: a Set does not reuse a deleted entry's place, so it rebuilds its table as entries
 * come and go, and one that lives as long as the process rebuilds it in the old generation. That
 * was most of what the old generation grew by under load, and a major GC every few seconds
 * (docs/performance.md, "Garbage").
 */
export class SlotSet<T extends object> {
  /** Where a member keeps its slot's index: a symbol of this set's own, so one object may be in two sets. */
  private readonly slotKey = Symbol('httpserver.slot');
  private readonly slots: (T | undefined)[] = [];
  /** The free slots' indexes, a stack: `free[0..freeCount)`. Never shrunk, so never reallocated. */
  private readonly free: number[] = [];
  private freeCount = 0;

  /** Every slot holds a member or is free. */
  get size(): number {
    return this.slots.length - this.freeCount;
  }

  add(member: T): void {
    const slotted = member as Record<symbol, number | undefined>;
    if (slotted[this.slotKey] !== undefined) return;
    const slot = this.freeCount > 0 ? (this.free[--this.freeCount] as number) : this.slots.length;
    this.slots[slot] = member;
    slotted[this.slotKey] = slot;
  }

  delete(member: T): void {
    const slotted = member as Record<symbol, number | undefined>;
    const slot = slotted[this.slotKey];
    if (slot === undefined) return;
    this.slots[slot] = undefined;
    slotted[this.slotKey] = undefined;
    this.free[this.freeCount++] = slot;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (const member of this.slots) if (member !== undefined) yield member;
  }
}
