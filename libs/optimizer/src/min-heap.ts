/** A binary min-heap of (key, id) pairs in typed arrays, grown on demand. Duplicate ids are allowed. */
export class MinHeap {
  private keys = new Float64Array(16);
  private ids = new Int32Array(16);
  private length = 0;

  get size(): number {
    return this.length;
  }

  clear(): void {
    this.length = 0;
  }

  topKey(): number {
    return this.keys[0];
  }

  topId(): number {
    return this.ids[0];
  }

  push(key: number, id: number): void {
    if (this.length === this.keys.length) this.grow();
    let at = this.length++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (this.keys[parent] <= key) break;
      this.keys[at] = this.keys[parent];
      this.ids[at] = this.ids[parent];
      at = parent;
    }
    this.keys[at] = key;
    this.ids[at] = id;
  }

  pop(): void {
    const last = --this.length;
    if (last === 0) return;
    const key = this.keys[last];
    const id = this.ids[last];
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= last) break;
      if (child + 1 < last && this.keys[child + 1] < this.keys[child]) child++;
      if (this.keys[child] >= key) break;
      this.keys[at] = this.keys[child];
      this.ids[at] = this.ids[child];
      at = child;
    }
    this.keys[at] = key;
    this.ids[at] = id;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    const ids = new Int32Array(this.ids.length * 2);
    keys.set(this.keys);
    ids.set(this.ids);
    this.keys = keys;
    this.ids = ids;
  }
}
