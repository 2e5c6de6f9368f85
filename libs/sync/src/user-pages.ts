interface Link<P> {
  page: Promise<P>;
  /** undefined until the page's envelope is read; null on the last page. */
  nextUrl?: string | null;
  /** The page before this one is committed: this page's successor may be fetched. */
  mayFetchNext: boolean;
  next: Link<P> | null;
}

export interface PageSource<E, P> {
  /** Fetches a page as far as its envelope, which names the next page. */
  fetchEnvelope(url: string): Promise<E>;
  nextUrlOf(envelope: E): string | null;
  /** Reads the page's records (checks and keys them): done after the next page was asked for. */
  read(envelope: E): P | Promise<P>;
  /** False once the crawl is stopping: no further fetch is started. */
  mayContinue(): boolean;
}

/**
 * The crawl's pages in order, read ahead. Pages follow each other's next_page_url, so this chain is what a crawl's
 * speed comes down to when writes are cheap: the next fetch starts as soon as both the page before the current
 * one is committed (the caller asked for the current one) and the current page's envelope named its successor,
 * before the current page's records are read. Never more than one page is fetched beyond the one being written,
 * so a crash costs at most two fetches again.
 *
 * Ask for the next page only once the one returned before is committed (a `for await` loop does exactly that).
 */
export class UserPages<E, P> implements AsyncIterable<P> {
  private current: Link<P> | null;

  constructor(
    private readonly source: PageSource<E, P>,
    firstUrl: string | null,
  ) {
    this.current = firstUrl ? this.start(firstUrl) : null;
  }

  /** The next page, or null when there is none or the crawl is stopping. */
  async next(): Promise<P | null> {
    const link = this.current;
    if (!link) return null;
    link.mayFetchNext = true;
    this.startNext(link);
    const page = await link.page;
    this.current = link.next;
    return page;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<P> {
    for (let page = await this.next(); page !== null; page = await this.next()) yield page;
  }

  private start(url: string): Link<P> {
    const link: Link<P> = { page: undefined as unknown as Promise<P>, mayFetchNext: false, next: null };
    const envelope = this.source.fetchEnvelope(url);
    link.page = envelope.then((e) => {
      link.nextUrl = this.source.nextUrlOf(e);
      this.startNext(link);
      return this.source.read(e);
    });
    link.page.catch(() => undefined); // awaited by next(), or abandoned when the crawl ends
    return link;
  }

  private startNext(link: Link<P>): void {
    if (link.next || !link.mayFetchNext || !link.nextUrl || !this.source.mayContinue()) return;
    link.next = this.start(link.nextUrl);
  }
}
