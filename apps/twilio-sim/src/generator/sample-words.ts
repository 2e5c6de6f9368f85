/** Word lists the generators draw from; deliberately multilingual so the mirror meets real-world text. */
export const ASCII_FIRST_NAMES = [
  'Alice', 'Bob', 'Carol', 'David', 'Emma', 'Frank', 'Grace', 'Henry', 'Irene', 'Jack',
  'Karen', 'Liam', 'Maya', 'Noah', 'Olivia', 'Peter', 'Quinn', 'Ruby', 'Sam', 'Tara',
] as const;

export const ASCII_LAST_NAMES = [
  'Smith', 'Johnson', 'Brown', 'Garcia', 'Miller', 'Davis', 'Wilson', 'Moore', 'Taylor', 'Clark',
  'Lewis', 'Walker', 'Young', 'King', 'Wright', 'Scott', 'Green', 'Baker', 'Adams', 'Nelson',
] as const;

export const UNICODE_FIRST_NAMES = [
  'Zoë', 'José', 'Łukasz', 'Søren', 'François', 'Małgorzata', 'Björn', 'Chloé', 'Émile', 'Nguyễn',
  'Ольга', 'Дмитрий', 'محمد', 'Γιώργος', 'Ñandú', 'İlkay', 'Ærin', 'Þóra', 'Jürgen', 'Çağla',
] as const;

export const UNICODE_LAST_NAMES = [
  'Müller', 'García', 'Kowalski', 'Østergaard', "O'Brien", 'Nakamura', 'Ivanov', 'Dubois', 'Šimůnek', 'Nuñez',
] as const;

export const CJK_NAMES = ['山田太郎', '佐藤花子', '用户', '李小龙', '王芳', '김민수', '이지은', '田中', '陈伟', '박서준'] as const;

export const EMOJI = ['🦄', '🎉', '🚀', '👩‍💻', '🍣', '🌈', '🔥', '🐙', '🇯🇵', '❤️'] as const;

export const WORDS = ['alpha', 'bravo', 'delta', 'echo', 'kilo', 'nova', 'orbit', 'pixel', 'quartz', 'zephyr'] as const;

export const DEPARTMENTS = ['Sales', 'Support', 'Engineering', 'Marketing', 'Finance', 'Légal', '開発', 'Поддержка'] as const;

export const LOCALES = ['en-US', 'fr-FR', 'ja-JP', 'de-DE', 'pt-BR', 'ko-KR', 'ru-RU', 'ar-EG'] as const;
