import { BadRequestException } from '@nestjs/common';
import { ECHO_FORMS, FAULT_KINDS, FAULT_MATCHES, type FaultKind, type FaultSpec, type PendingFault } from './fault.types';

/** Kinds that poison a users page; they only make sense on the users list. */
const USERS_LIST_ONLY: ReadonlySet<FaultKind> = new Set(['control-char-next-url', 'oversize-page', 'endless-pages']);
const OPTION_OWNERS: Record<'char' | 'records' | 'form' | 'status', FaultKind> = {
  char: 'control-char-next-url',
  records: 'oversize-page',
  form: 'echo-credential',
  status: 'echo-credential',
};
const CONTROL_CHAR = /^[\u0000-\u001f\u007f]$/;

/** Checks one fault spec (from HTTP or in-process callers) and fills its defaults. */
export function parseFaultSpec(spec: FaultSpec): PendingFault {
  if (!spec || !FAULT_KINDS.includes(spec.kind)) throw new BadRequestException(`fault kind must be one of ${FAULT_KINDS.join(', ')}`);
  const count = spec.count ?? 1;
  const skip = spec.skip ?? 0;
  const match = spec.match ?? (USERS_LIST_ONLY.has(spec.kind) ? 'users-list' : 'any');
  if (!Number.isSafeInteger(count) || count < 1) throw new BadRequestException('fault count must be an integer >= 1');
  if (!Number.isSafeInteger(skip) || skip < 0) throw new BadRequestException('fault skip must be an integer >= 0');
  if (!FAULT_MATCHES.includes(match)) throw new BadRequestException(`fault match must be one of ${FAULT_MATCHES.join(', ')}`);
  if (USERS_LIST_ONLY.has(spec.kind) && match !== 'users-list') throw new BadRequestException(`fault ${spec.kind} only matches users-list`);
  if (spec.accountSid !== undefined && typeof spec.accountSid !== 'string') {
    throw new BadRequestException('fault accountSid must be a string');
  }
  for (const [option, owner] of Object.entries(OPTION_OWNERS)) {
    if (spec[option as keyof typeof OPTION_OWNERS] !== undefined && spec.kind !== owner) {
      throw new BadRequestException(`fault option ${option} belongs to ${owner}`);
    }
  }
  const pending: PendingFault = { kind: spec.kind, count, skip, match, accountSid: spec.accountSid ?? null };
  if (spec.kind === 'control-char-next-url') {
    const char = spec.char ?? '\u0000';
    if (typeof char !== 'string' || !CONTROL_CHAR.test(char)) {
      throw new BadRequestException('fault char must be one character in U+0000..U+001F or U+007F');
    }
    pending.char = char;
  }
  if (spec.records !== undefined) {
    if (!Number.isSafeInteger(spec.records) || spec.records < 2 || spec.records > 10_000) {
      throw new BadRequestException('fault records must be an integer in 2..10000');
    }
    pending.records = spec.records;
  }
  if (spec.kind === 'echo-credential') {
    const form = spec.form ?? 'token';
    const status = spec.status ?? 500;
    if (!ECHO_FORMS.includes(form)) throw new BadRequestException(`fault form must be one of ${ECHO_FORMS.join(', ')}`);
    if (status !== 400 && status !== 500) throw new BadRequestException('fault status must be 400 or 500');
    Object.assign(pending, { form, status });
  }
  return pending;
}
