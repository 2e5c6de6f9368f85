/**
 * Holds copies of one account's webhooks and lets them go out of order: when `window` of them wait, or when the
 * oldest has waited `maxHoldMs`, every held copy is released at once in the order `shuffle` gives.
 */
export class ReorderBuffer<T> {
  private held: T[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly window: number,
    private readonly maxHoldMs: number,
    private readonly shuffle: (items: readonly T[]) => T[],
    private readonly release: (item: T) => void,
  ) {}

  get size(): number {
    return this.held.length;
  }

  add(item: T): void {
    this.held.push(item);
    if (this.held.length >= this.window) this.flush();
    else if (this.timer === null) this.timer = setTimeout(() => this.flush(), this.maxHoldMs).unref();
  }

  flush(): void {
    const items = this.take();
    for (const item of this.shuffle(items)) this.release(item);
  }

  /** Empties the buffer without releasing anything; the caller owns what is returned. */
  take(): T[] {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const items = this.held;
    this.held = [];
    return items;
  }
}
