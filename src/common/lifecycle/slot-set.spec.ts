import { SlotSet } from './slot-set';

const members = (set: SlotSet<object>): object[] => [...set];

describe('SlotSet', () => {
  it('holds what was added and not yet deleted', () => {
    const set = new SlotSet<object>();
    const [a, b, c] = [{}, {}, {}];
    set.add(a);
    set.add(b);
    set.add(c);
    set.delete(b);
    expect(set.size).toBe(2);
    expect(members(set)).toEqual([a, c]);
  });

  it('counts a member added twice once, and ignores deleting what it does not hold', () => {
    const set = new SlotSet<object>();
    const a = {};
    set.add(a);
    set.add(a);
    set.delete({});
    expect(set.size).toBe(1);
    set.delete(a);
    set.delete(a);
    expect(set.size).toBe(0);
    expect(members(set)).toEqual([]);
  });

  it('gives a freed slot to the next member instead of growing', () => {
    const set = new SlotSet<object>();
    const held = Array.from({ length: 50 }, () => ({}));
    for (const member of held) set.add(member);
    // 20,000 requests, 50 in flight at any time.
    for (let i = 0; i < 20_000; i += 1) {
      const index = i % held.length;
      const fresh = {};
      set.delete(held[index] as object);
      held[index] = fresh;
      set.add(fresh);
    }
    expect(set.size).toBe(50);
    expect(new Set(members(set))).toEqual(new Set(held));
    expect((set as unknown as { slots: unknown[] }).slots).toHaveLength(50);
  });

  it('lets one object be a member of two sets', () => {
    const [first, second] = [new SlotSet<object>(), new SlotSet<object>()];
    const [a, b] = [{}, {}];
    first.add(b);
    first.add(a);
    second.add(a);
    first.delete(a);
    expect(members(first)).toEqual([b]);
    expect(members(second)).toEqual([a]);
  });

  it('may lose a member while it is being read (a connection closing during the shutdown)', () => {
    const set = new SlotSet<object>();
    const [a, b, c] = [{}, {}, {}];
    for (const member of [a, b, c]) set.add(member);
    const seen: object[] = [];
    for (const member of set) {
      seen.push(member);
      if (member === a) set.delete(b);
    }
    expect(seen).toEqual([a, c]);
  });
});
