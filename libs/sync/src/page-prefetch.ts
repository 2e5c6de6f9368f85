interface Link<T> {
  fetched: Promise<T>;
  /** undefined until the page's envelope is read; null on the last page. */
  nextUrl?: string | null;
  /** The page before this one is committed: this page's successor may be fetched. */
  mayFetchNext: boolean;
  next: Link<T> | null;
}

/**
 * The crawl's read-ahead. At most one page is fetched beyond the one being written, so a crash costs at most
 * two fetches again. Within that bound the next fetch starts as early as it can: once the page before it is
 * committed and its URL is known, which is as soon as the current page's envelope is read (see
 * TwilioClient.fetchUsersPage), before its records are checked and keyed. Pages follow each other's
 * next_page_url, so this chain is what a crawl's speed comes down to when writes are cheap.
 */
export class PagePrefetch<T> {
  private current: Link<T> | null;

  /**
   * @param fetch fetches a URL and reports its next URL through the callback before resolving
   * @param nextUrlOf the next URL of a fetched page
   * @param mayContinue false once the crawl is stopping: no further fetch is started
   */
  constructor(
    private readonly fetch: (url: string, onNextPageUrl: (nextUrl: string | null) => void) => Promise<T>,
    private readonly nextUrlOf: (page: T) => string | null,
    firstUrl: string | null,
    private readonly mayContinue: () => boolean,
  ) {
    this.current = firstUrl ? this.start(firstUrl) : null;
  }

  /**
   * The next page in order, or null when there is none or the crawl is stopping. Call it only once the page
   * it returned before is committed.
   */
  async next(): Promise<T | null> {
    const link = this.current;
    if (!link) return null;
    link.mayFetchNext = true;
    this.startNext(link);
    const page = await link.fetched;
    link.nextUrl ??= this.nextUrlOf(page); // a fetch that did not report it early
    this.startNext(link);
    this.current = link.next;
    return page;
  }

  private start(url: string): Link<T> {
    const link: Link<T> = { fetched: undefined as unknown as Promise<T>, mayFetchNext: false, next: null };
    link.fetched = this.fetch(url, (nextUrl) => {
      link.nextUrl = nextUrl;
      this.startNext(link);
    });
    link.fetched.catch(() => undefined); // awaited by next(), or abandoned when the crawl ends
    return link;
  }

  private startNext(link: Link<T>): void {
    if (link.next || !link.mayFetchNext || !link.nextUrl || !this.mayContinue()) return;
    link.next = this.start(link.nextUrl);
  }
}
