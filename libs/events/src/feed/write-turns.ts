import { performance } from 'node:perf_hooks';

/** Most time one event-loop turn spends writing stream chunks before it lets other work (requests, queries) in. */
const SLICE_MS = 4;

/**
 * Takes turns at writing to many sockets. A socket write is synchronous (the kernel copies the chunk, and on
 * loopback runs the receiver's side too), and hundreds of replaying streams draining in one turn would write
 * for hundreds of milliseconds while every other request of the process waits. Writes queue here instead and
 * run from setImmediate, at most SLICE_MS of them per turn, in arrival order: between two slices the loop takes
 * new requests and query results, so a replay costs the rest of the process a few milliseconds of latency, not a
 * stall. When the process has nothing else to do, slices follow each other and replays run at full speed.
 */
export class WriteTurns {
  private readonly queue: { write: () => boolean; done: (ok: boolean) => void }[] = [];
  private scheduled = false;

  /** Runs `write` in a slice; resolves with its result (false: the socket's buffer is full, wait for 'drain'). */
  run(write: () => boolean): Promise<boolean> {
    return new Promise((done) => {
      this.queue.push({ write, done });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.slice);
      }
    });
  }

  private readonly slice = (): void => {
    const until = performance.now() + SLICE_MS;
    let next = 0;
    while (next < this.queue.length && performance.now() < until) {
      const { write, done } = this.queue[next++];
      let ok: boolean;
      try {
        ok = write();
      } catch {
        ok = false; // a socket that failed under the write: its 'close' ends the stream
      }
      done(ok);
    }
    this.queue.splice(0, next);
    this.scheduled = this.queue.length > 0;
    if (this.scheduled) setImmediate(this.slice);
  };
}
