import { PagePrefetch } from './page-prefetch';

interface FakePage {
  url: string;
  next: string | null;
}

/** Pages p1 → p2 → … → pN; each fetch reports its next URL at once, then resolves when the test says so. */
function fakeUpstream(count: number, opts: { reportEarly?: boolean } = {}) {
  const started: string[] = [];
  const pending = new Map<string, () => void>();
  const fetch = (url: string, onNext: (next: string | null) => void): Promise<FakePage> => {
    started.push(url);
    const n = Number(url.slice(1));
    const page = { url, next: n < count ? `p${n + 1}` : null };
    if (opts.reportEarly !== false) onNext(page.next);
    return new Promise((resolve) => pending.set(url, () => resolve(page)));
  };
  const finish = async (url: string) => {
    pending.get(url)!();
    await new Promise((r) => setImmediate(r));
  };
  return { fetch, started, finish };
}

describe('PagePrefetch', () => {
  it('starts the next fetch as soon as its URL is known, before the current page has arrived', async () => {
    const up = fakeUpstream(3);
    const pages = new PagePrefetch(up.fetch, (p) => p.next, 'p1', () => true);
    const first = pages.next();
    expect(up.started).toEqual(['p1', 'p2']); // p1's envelope named p2; nothing before p1 is uncommitted
    await up.finish('p1');
    expect((await first)!.url).toBe('p1');
  });

  it('never fetches more than one page beyond the one being written', async () => {
    const up = fakeUpstream(5);
    const pages = new PagePrefetch(up.fetch, (p) => p.next, 'p1', () => true);
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
    const pages = new PagePrefetch(up.fetch, (p) => p.next, 'p1', () => true);
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
    const up = fakeUpstream(5);
    let stopping = false;
    const pages = new PagePrefetch(up.fetch, (p) => p.next, 'p1', () => !stopping);
    const p1 = pages.next();
    await up.finish('p1');
    await p1;
    stopping = true;
    await up.finish('p2');
    expect((await pages.next())!.url).toBe('p2');
    expect(up.started).toEqual(['p1', 'p2']);
    expect(await pages.next()).toBeNull();
  });

  it('falls back to the fetched page when the fetch does not report its next URL early', async () => {
    const up = fakeUpstream(3, { reportEarly: false });
    const pages = new PagePrefetch(up.fetch, (p) => p.next, 'p1', () => true);
    const p1 = pages.next();
    expect(up.started).toEqual(['p1']);
    await up.finish('p1');
    await p1;
    expect(up.started).toEqual(['p1', 'p2']);
  });

  it('surfaces a failed read-ahead when that page is asked for, not before', async () => {
    const failing = (url: string, onNext: (n: string | null) => void) => {
      if (url === 'p2') return Promise.reject(new Error('503'));
      onNext('p2');
      return Promise.resolve({ url, next: 'p2' });
    };
    const pages = new PagePrefetch(failing, (p) => p.next, 'p1', () => true);
    expect((await pages.next())!.url).toBe('p1');
    await new Promise((r) => setImmediate(r)); // an unhandled rejection would fail the test here
    await expect(pages.next()).rejects.toThrow('503');
  });
});
