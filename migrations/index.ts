import { InitialSchema1764230400000 } from './1764230400000-InitialSchema';
import { ReadApiIndexes1764316800000 } from './1764316800000-ReadApiIndexes';
import { CheapRecrawl1764489600000 } from './1764489600000-CheapRecrawl';
import { BoundedIdentityIndex1764576000000 } from './1764576000000-BoundedIdentityIndex';
import { UnattendedCrawls1764662400000 } from './1764662400000-UnattendedCrawls';
import { ExactAttributesAndErasure1764748800000 } from './1764748800000-ExactAttributesAndErasure';
import { ObservationOrder1764835200000 } from './1764835200000-ObservationOrder';

/** In order. Listed, not globbed, so the build tool cannot lose one. */
export const MIGRATIONS = [
  InitialSchema1764230400000,
  ReadApiIndexes1764316800000,
  CheapRecrawl1764489600000,
  BoundedIdentityIndex1764576000000,
  UnattendedCrawls1764662400000,
  ExactAttributesAndErasure1764748800000,
  ObservationOrder1764835200000,
];
