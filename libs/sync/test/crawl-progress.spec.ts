import { CrawlProgress } from '../src/crawl-progress';

describe('CrawlProgress', () => {
  it('reports every 10 s: pages against the expected, users, users/s and the time left at this rate', () => {
    let now = 0;
    const p = new CrawlProgress({ pages: 0, users: 0 }, 100, () => now);
    now = 4_000;
    expect(p.pageWritten(50)).toBeNull();
    now = 9_999;
    expect(p.pageWritten(50)).toBeNull();
    now = 10_000;
    // 3 pages and 150 users in 10 s; 97 pages left at 3 pages / 10 s.
    expect(p.pageWritten(50)).toEqual({ pages: 3, expectedPages: 100, users: 150, usersPerSecond: 15, etaSeconds: 323 });
    now = 15_000;
    expect(p.pageWritten(50)).toBeNull(); // the next report is 10 s after this one
    now = 20_000;
    expect(p.pageWritten(50)).toMatchObject({ pages: 5, users: 250, usersPerSecond: 12.5, etaSeconds: 380 });
  });

  it('counts a resumed run from where it was, its rate from this attempt only', () => {
    let now = 1_000_000;
    const p = new CrawlProgress({ pages: 40, users: 2000 }, 50, () => now);
    now += 10_000;
    expect(p.pageWritten(50)).toEqual({ pages: 41, expectedPages: 50, users: 2050, usersPerSecond: 5, etaSeconds: 90 });
  });

  it('has no ETA without a successful run to measure against, nor past it', () => {
    let now = 0;
    const first = new CrawlProgress({ pages: 0, users: 0 }, null, () => now);
    now = 10_000;
    expect(first.pageWritten(10)).toMatchObject({ pages: 1, expectedPages: null, etaSeconds: null });
    const grown = new CrawlProgress({ pages: 5, users: 0 }, 5, () => now);
    now = 20_000;
    expect(grown.pageWritten(10)).toMatchObject({ pages: 6, etaSeconds: null });
  });
});
