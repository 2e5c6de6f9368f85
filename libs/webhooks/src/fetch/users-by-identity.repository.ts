import { PgConnections } from '@app/database';
import { Injectable } from '@nestjs/common';

/** The length of an identity's prefix in users_service_identity_prefix_idx (see migration BoundedIdentityIndex). */
const IDENTITY_INDEXED = 512;

/** For a hook that named a user by identity only: which live mirrored users a 20404 on that identity is about. */
@Injectable()
export class UsersByIdentity {
  constructor(private readonly pg: PgConnections) {}

  async liveSids(serviceSid: string, identity: string): Promise<string[]> {
    const rows = await this.pg.rows<{ sid: string }>(
      `SELECT sid FROM users u
       WHERE chat_service_sid = $1 AND left(u.identity, ${IDENTITY_INDEXED}) = left($2, ${IDENTITY_INDEXED}) AND u.identity = $2 AND deleted_at IS NULL`,
      [serviceSid, identity],
    );
    return rows.map((r) => r.sid);
  }
}
