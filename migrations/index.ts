import { InitialSchema1764230400000 } from './1764230400000-InitialSchema';

/** In order. Listed, not globbed, so the build tool cannot lose one. */
export const MIGRATIONS = [InitialSchema1764230400000];
