
/** A compact map of the ID numbers seen in one import (duplicates within a file). */
// ------------------------------------------------------------------ compact ID-number map

/**
 * A hash map from a valid 18-character ID number to a 32-bit value and 8 flag bits, in typed arrays (open
 * addressing, at most 3/4 full): 13 bytes a slot instead of ~100 for a Map<string, number>, so the duplicate
 * checks of a million-row file stay small. Keys use the first 17 digits (the check character follows from
 * them).
 */
export class IdKeyMap {
  private keys: Uint32Array;
  private vals: Uint32Array;
  private bits: Uint8Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity = 1 << 14) {
    let cap = 16;
    while (cap < initialCapacity) cap <<= 1;
    this.keys = new Uint32Array(cap * 2);
    this.vals = new Uint32Array(cap);
    this.bits = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  /** hi is stored + 1 so that 0 marks an empty slot. */
  private static hi = (id: string) => Number(id.slice(0, 9)) + 1;
  private static lo = (id: string) => Number(id.slice(9, 17));

  /** The slot holding the key (hi, lo), or the empty slot where it would go. */
  private find(hi: number, lo: number): number {
    let h = Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let i = h & this.mask;
    for (;;) {
      const k = this.keys[i * 2];
      if (k === 0 || (k === hi && this.keys[i * 2 + 1] === lo)) return i;
      i = (i + 1) & this.mask;
    }
  }

  /** The slot of the key, added (value 0, no bits) when missing. */
  private slotFor(id: string): number {
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    const hi = IdKeyMap.hi(id);
    const lo = IdKeyMap.lo(id);
    const i = this.find(hi, lo);
    if (this.keys[i * 2] === 0) {
      this.keys[i * 2] = hi;
      this.keys[i * 2 + 1] = lo;
      this.size++;
    }
    return i;
  }

  has(id: string): boolean {
    return this.keys[this.find(IdKeyMap.hi(id), IdKeyMap.lo(id)) * 2] !== 0;
  }

  /** The value; 0 for a missing key. */
  get(id: string): number {
    const i = this.find(IdKeyMap.hi(id), IdKeyMap.lo(id));
    return this.keys[i * 2] === 0 ? 0 : (this.vals[i] as number);
  }

  set(id: string, value: number): void {
    this.vals[this.slotFor(id)] = value >>> 0;
  }

  /** The flag bits; 0 for a missing key. */
  getBits(id: string): number {
    const i = this.find(IdKeyMap.hi(id), IdKeyMap.lo(id));
    return this.keys[i * 2] === 0 ? 0 : (this.bits[i] as number);
  }

  addBits(id: string, bits: number): void {
    const i = this.slotFor(id);
    this.bits[i] = (this.bits[i] as number) | bits;
  }

  private grow(): void {
    const { keys, vals, bits } = this;
    const cap = (this.mask + 1) * 2;
    this.keys = new Uint32Array(cap * 2);
    this.vals = new Uint32Array(cap);
    this.bits = new Uint8Array(cap);
    this.mask = cap - 1;
    for (let j = 0; j < vals.length; j++) {
      const hi = keys[j * 2] as number;
      if (hi === 0) continue;
      const lo = keys[j * 2 + 1] as number;
      const i = this.find(hi, lo);
      this.keys[i * 2] = hi;
      this.keys[i * 2 + 1] = lo;
      this.vals[i] = vals[j] as number;
      this.bits[i] = bits[j] as number;
    }
  }
}
