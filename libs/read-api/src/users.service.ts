import { UserEntity } from '@app/database';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { decodeCursor, encodeCursor } from './cursor';
import { MirrorUserDto, MirrorUserPageDto } from './mirror-user.dto';

@Injectable()
export class UsersService {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  /** Keyset pagination on (chat_service_sid, sid): stable while the crawler writes, served by users_service_sid_idx. */
  async list(serviceSid: string, limit: number, cursor?: string): Promise<MirrorUserPageDto> {
    const after = decodeCursor(cursor);
    const qb = this.users
      .createQueryBuilder('u')
      .where('u.chat_service_sid = :serviceSid', { serviceSid })
      .andWhere('u.deleted_at IS NULL')
      .orderBy('u.sid', 'ASC')
      .limit(limit + 1);
    if (after !== null) qb.andWhere('u.sid > :after', { after });
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    return {
      users: page.map(MirrorUserDto.from),
      next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1].sid) : null,
    };
  }

  async get(sid: string): Promise<MirrorUserDto> {
    const user = await this.users.findOneBy({ sid });
    if (!user) throw new NotFoundException(`user ${sid} is not in the mirror`);
    return MirrorUserDto.from(user);
  }
}
