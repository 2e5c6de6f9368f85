/** A sleep that a signal can cut short; a signal given while nobody sleeps is kept for the next sleep. */
export class Wakeup {
  private pending = false;
  private waiters = new Set<() => void>();

  wake(): void {
    if (!this.waiters.size) {
      this.pending = true;
      return;
    }
    for (const w of [...this.waiters]) w();
  }

  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }
}
