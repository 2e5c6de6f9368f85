/** `3x2000` = 3 services of 2000 users; comma-separated groups add up (`1x1000000,2x50`). */
export interface ServiceSeedSpec {
  services: number;
  usersPerService: number;
}

const GROUP = /^(\d{1,4})x(\d{1,7})$/;

/** Returns the parsed groups, or null when the text is not a valid spec. */
export function parseServicesSpec(text: string): ServiceSeedSpec[] | null {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const groups: ServiceSeedSpec[] = [];
  for (const part of trimmed.split(',')) {
    const match = GROUP.exec(part.trim());
    if (!match) return null;
    groups.push({ services: Number(match[1]), usersPerService: Number(match[2]) });
  }
  return groups;
}
