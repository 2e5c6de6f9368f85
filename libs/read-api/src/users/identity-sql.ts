/**
 * Identity conditions in the form users_service_identity_prefix_idx serves: that index holds the first
 * IDENTITY_INDEXED characters of an identity (a btree entry cannot hold a long one whole), so each condition
 * narrows on that prefix through the index and then checks the whole identity.
 */
export const IDENTITY_INDEXED = 512;

/** `u.identity = <p>`, `p` a placeholder for the identity. */
export function identityEqualsSql(p: string): string {
  return `(left(u.identity, ${IDENTITY_INDEXED}) = left(${p}, ${IDENTITY_INDEXED}) AND u.identity = ${p})`;
}

/**
 * `u.identity LIKE <pattern>%` for a literal prefix: `param` binds a value and returns its placeholder. The
 * indexed prefix is matched against the prefix cut to the indexed length (in characters, as left() counts).
 */
export function identityStartsWithSql(prefix: string, param: (value: string) => string, escapeLike: (s: string) => string): string {
  const indexed = Array.from(prefix).slice(0, IDENTITY_INDEXED).join('');
  const whole = param(`${escapeLike(prefix)}%`);
  const cut = indexed === prefix ? whole : param(`${escapeLike(indexed)}%`);
  return `(left(u.identity, ${IDENTITY_INDEXED}) LIKE ${cut} AND u.identity LIKE ${whole})`;
}
