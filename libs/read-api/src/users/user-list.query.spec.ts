import { jsonObjectProblem, timestampProblem } from '../common/validators';
import { userListQuery } from './user-list.query';

const IS = 'IS' + '1'.repeat(32);

describe('user list query', () => {
  it('binds every filter as a parameter and escapes LIKE wildcards', () => {
    const { text, values } = userListQuery(
      IS,
      { identityPrefix: '50%_off\\', q: 'a_b', roleSid: 'RL1', attributes: '{"a":1}', updatedSince: '2025-01-01T00:00:00.000Z', identity: "x' OR '1'='1", deleted: 'exclude' },
      'US' + '2'.repeat(32),
      11,
    );
    expect(values).toEqual([IS, "x' OR '1'='1", '50\\%\\_off\\\\%', 'RL1', '{"a":1}', '%a\\_b%', '2025-01-01T00:00:00.000Z', 'US' + '2'.repeat(32), 11]);
    expect(text).not.toContain("x'");
    expect(text).toMatch(/ORDER BY u\.sid LIMIT \$9\) p ON true$/);
    expect(text).toMatch(/^SELECT s\.as_of, p\.sid, p\.json\s+FROM \(SELECT last::text AS as_of FROM event_sequence\) s/);
    expect(text).toContain('u.deleted_at IS NULL');
  });

  it('selects deleted users on request', () => {
    expect(userListQuery(IS, { deleted: 'only' }, null, 5).text).toContain('u.deleted_at IS NOT NULL');
    expect(userListQuery(IS, { deleted: 'include' }, null, 5).text).not.toContain('deleted_at IS');
  });
});

describe('filter validation', () => {
  it('accepts JSON objects jsonb can hold and names what is wrong with the rest', () => {
    expect(jsonObjectProblem('{"plan":"pro","n":12345678901234567890}')).toBeNull();
    expect(jsonObjectProblem('{"e":"\\ud83d\\ude00"}')).toBeNull();
    expect(jsonObjectProblem('[1]')).toMatch(/JSON object/);
    expect(jsonObjectProblem('{')).toMatch(/valid JSON/);
    expect(jsonObjectProblem('{"a":"\\u0000"}')).toMatch(/NUL/);
    expect(jsonObjectProblem('{"a":"\\ud800"}')).toMatch(/surrogate/);
    expect(jsonObjectProblem('{"a":1e99999}')).toMatch(/out of range/);
    expect(jsonObjectProblem(`{"a":"${'x'.repeat(3000)}"}`)).toMatch(/at most/);
  });

  it('accepts ISO 8601 times with a zone, or dates, between 1970 and 9999', () => {
    for (const ok of ['2025-11-27T10:00:00Z', '2025-11-27T10:00:00.123456+02:00', '2025-11-27', '2025-11-27 10:00Z']) expect(timestampProblem(ok)).toBeNull();
    for (const bad of ['yesterday', '2025-11-27T10:00:00', '2025-13-01', '2025-02-30', '2025-01-01T24:00:00Z', '2025-01-01T10:00:00+15:00', '1969-12-31T00:00:00Z', '+275760-09-13T00:00:00Z']) expect(timestampProblem(bad)).not.toBeNull();
  });
});
