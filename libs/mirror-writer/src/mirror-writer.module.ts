import { DatabaseModule } from '@app/database';
import { Module } from '@nestjs/common';
import { MirrorWriter } from './mirror-writer';

/** The one write path of the mirror's users and their events (see MirrorWriter). */
@Module({ imports: [DatabaseModule], providers: [MirrorWriter], exports: [MirrorWriter] })
export class MirrorWriterModule {}
