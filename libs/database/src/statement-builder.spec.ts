import { StatementBuilder } from './statement-builder';

describe('StatementBuilder.doc', () => {
  const body = (sql: string) => {
    const m = /^(\$[A-Za-z0-9]*\$)([\s\S]*)\1::jsonb$/.exec(sql);
    if (!m) throw new Error(`not one dollar-quoted literal: ${sql}`);
    expect(m[2].includes(m[1])).toBe(false); // the body never contains its own delimiter
    return m[2];
  };

  it('inlines a document dollar-quoted, bytes untouched (no escaping pass)', () => {
    const json = JSON.stringify([{ s: "it's a \\ quote \" and 'more'" }]);
    expect(body(new StatementBuilder(true).doc(json))).toBe(json);
  });

  it('picks another delimiter when the document contains the usual one', () => {
    const json = JSON.stringify({ s: 'a $doc$ b' });
    const sql = new StatementBuilder(true).doc(json);
    expect(sql.startsWith('$doc$')).toBe(false);
    expect(body(sql)).toBe(json);
  });

  it('picks another delimiter when the document ends so that it would form one', () => {
    const text = 'x$doc';
    const sql = new StatementBuilder(true).doc(text);
    expect(sql.startsWith('$doc$')).toBe(false);
    expect(body(sql)).toBe(text);
  });

  it('is a plain parameter when not inlining', () => {
    const b = new StatementBuilder();
    expect(b.doc('[1]')).toBe('$1::jsonb');
    expect(b.params).toEqual(['[1]']);
  });
});
