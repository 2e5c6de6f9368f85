/** Runs one SQL statement and returns its rows; adapts a pg Client or a TypeORM DataSource alike. */
export type SqlRunner = (sql: string, params?: unknown[]) => Promise<any[]>;
