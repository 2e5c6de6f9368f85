import { UserPages } from './user-pages';

interface FakePage {
  url: string;
  next: string | null;
}

/**
 * Pages p1 → p2 → … → pN. Each envelope arrives at once; reading the page's records resolves when the test says so
 * (`finish`), so the tests see what is fetched while a page is still being read.
 */
function fakeUpstream(count: number, mayContinue: () => boolean = () => true) {
  const started: string[] = [];
  const pending = new Map<string, () => void>();
  const source = {
    fetchEnvelope: async (url: string): Promise<FakePage> => {
      started.push(url);
      const n = Number(url.slice(1));
      return { url, next: n < count ? `p${n + 1}` : null };
    },
    nextUrlOf: (p: FakePage) => p.next,
    read: (p: FakePage) => new Promise<FakePage>((resolve) => pending.set(p.url, () => resolve(p))),
    mayContinue,
  };
  const settle = () => new Promise((r) => setImmediate(r));
  const finish = async (url: string) => {
    await settle();
    pending.get(url)!();
    await settle();
  };
  return { source, started, finish, settle };
}

describe('UserPages', () => {
  it('starts the next fetch as soon as the envelope names it, before the current page is read', async () => {
    const up = fakeUpstream(3);
    const pages = new UserPages(up.source, 'p1');
    const first = pages.next();
    await up.settle();
    expect(up.started).toEqual(['p1', 'p2']); // p1's envelope named p2; nothing before p1 is uncommitted
    await up.finish('p1');
    expect((await first)!.url).toBe('p1');
  });

  it('never fetches more than one page beyond the one being written', async () => {
    const up = fakeUpstream(5);
    const pages = new UserPages(up.source, 'p1');
    const p1 = pages.next();
    await up.finish('p1');
    await p1;
    // p1 is being written; p2 is fetched and its envelope names p3, but p3 must wait for p1's commit.
    await up.finish('p2');
    expect(up.started).toEqual(['p1', 'p2']);
    const p2 = await pages.next(); // p1 committed
    expect(p2!.url).toBe('p2');
    expect(up.started).toEqual(['p1', 'p2', 'p3']);
  });

  it('returns every page in order, then null', async () => {
    const up = fakeUpstream(4);
    const pages = new UserPages(up.source, 'p1');
    const seen: string[] = [];
    for (let i = 1; i <= 4; i++) {
      const next = pages.next();
      await up.finish(`p${i}`);
      seen.push((await next)!.url);
    }
    expect(seen).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(await pages.next()).toBeNull();
    expect(up.started).toEqual(['p1', 'p2', 'p3', 'p4']);
  });

  it('starts nothing more once the crawl is stopping', async () => {
    let stopping = false;
    const up = fakeUpstream(5, () => !stopping);
    const pages = new UserPages(up.source, 'p1');
    const p1 = pages.next();
    await up.finish('p1');
    await p1;
    stopping = true;
    await up.finish('p2');
    expect((await pages.next())!.url).toBe('p2');
    expect(up.started).toEqual(['p1', 'p2']);
    expect(await pages.next()).toBeNull();
  });

  it('surfaces a failed read-ahead when that page is asked for, not before', async () => {
    const failing = {
      fetchEnvelope: (url: string) => (url === 'p2' ? Promise.reject(new Error('503')) : Promise.resolve({ url, next: 'p2' })),
      nextUrlOf: (p: FakePage) => p.next,
      read: (p: FakePage) => p,
      mayContinue: () => true,
    };
    const pages = new UserPages(failing, 'p1');
    expect((await pages.next())!.url).toBe('p1');
    await new Promise((r) => setImmediate(r)); // an unhandled rejection would fail the test here
    await expect(pages.next()).rejects.toThrow('503');
  });

  it('is an async iterable: a for-await loop asks for a page only after the body handled the one before', async () => {
    const up = fakeUpstream(3);
    const pages = new UserPages(up.source, 'p1');
    const handled: string[] = [];
    const startedWhenHandled: string[][] = [];
    const loop = (async () => {
      for await (const p of pages) {
        handled.push(p.url);
        startedWhenHandled.push([...up.started]);
      }
    })();
    for (const url of ['p1', 'p2', 'p3']) await up.finish(url);
    await loop;
    expect(handled).toEqual(['p1', 'p2', 'p3']);
    // While p1 was handled (not yet committed), p2 was fetched but not p3.
    expect(startedWhenHandled[0]).toEqual(['p1', 'p2']);
  });
});
