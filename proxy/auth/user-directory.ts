/**
 * Users, keys and roles of the proxy's built-in auth (tempauth for Swift, access keys for S3).
 * The users file is JSON: `{ "users": [ { "account": "test", "user": "tester", "key": "testing",
 * "roles": [".admin"] } ] }` (see etc/proxy-users.sample.json). `account` is the bare account
 * name; Swift URLs carry it as `AUTH_<account>`.
 */
import { readFile } from 'node:fs/promises';
import { StoreError } from '../../common/index.js';

export interface UserRecord {
  account: string;
  user: string;
  key: string;
  /** ".admin" (owns its account), ".reseller_admin" (may act on any account). */
  roles: string[];
}

/** The all-in-one's development users, the familiar Swift SAIO ones. Never in production. */
export const DEVELOPMENT_USERS: readonly UserRecord[] = Object.freeze([
  { account: 'admin', user: 'admin', key: 'admin', roles: ['.admin', '.reseller_admin'] },
  { account: 'test', user: 'tester', key: 'testing', roles: ['.admin'] },
  { account: 'test', user: 'tester2', key: 'testing2', roles: ['.admin'] },
  { account: 'test', user: 'tester3', key: 'testing3', roles: [] },
  { account: 'test2', user: 'tester2', key: 'testing2', roles: ['.admin'] },
  { account: 'test5', user: 'tester5', key: 'testing5', roles: [] },
]);

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function validate(r: unknown, where: string): UserRecord {
  const rec = r as Partial<UserRecord> | null;
  if (typeof rec !== 'object' || rec === null) throw new StoreError('INVALID_ARGUMENT', `Cannot load user ${where}: not an object`);
  for (const field of ['account', 'user'] as const) {
    if (typeof rec[field] !== 'string' || !NAME.test(rec[field])) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot load user ${where}: "${field}" must be 1-64 of A-Z a-z 0-9 _ . -`);
    }
  }
  if (typeof rec.key !== 'string' || rec.key.length === 0) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot load user ${where}: "key" must be a non-empty string`);
  }
  const roles = rec.roles ?? [];
  if (!Array.isArray(roles) || roles.some((x) => typeof x !== 'string')) {
    throw new StoreError('INVALID_ARGUMENT', `Cannot load user ${where}: "roles" must be an array of strings`);
  }
  return { account: rec.account!, user: rec.user!, key: rec.key, roles: [...roles] };
}

/** Immutable lookup table of users by account and user name. */
export class UserDirectory {
  private readonly byId = new Map<string, UserRecord>();

  private constructor(records: readonly UserRecord[]) {
    for (const [i, r] of records.entries()) {
      const rec = validate(r, `#${i + 1}`);
      const id = `${rec.account}:${rec.user}`;
      if (this.byId.has(id)) throw new StoreError('INVALID_ARGUMENT', `Cannot load users: "${id}" appears twice`);
      this.byId.set(id, Object.freeze(rec));
    }
  }

  /**
   * Reads a users file.
   * @throws NOT_FOUND when the file is missing; INVALID_ARGUMENT when it is malformed
   */
  static async load(file: string): Promise<UserDirectory> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new StoreError('NOT_FOUND', `Cannot read users file "${file}"`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new StoreError('INVALID_ARGUMENT', `Cannot parse users file "${file}": not JSON`, { cause: err });
    }
    const users = (parsed as { users?: unknown } | null)?.users;
    if (!Array.isArray(users)) throw new StoreError('INVALID_ARGUMENT', `Cannot load users file "${file}": "users" must be an array`);
    return new UserDirectory(users as UserRecord[]);
  }

  /** @throws INVALID_ARGUMENT on a malformed or duplicate record */
  static fromRecords(records: readonly UserRecord[]): UserDirectory {
    return new UserDirectory(records);
  }

  /** The user `user` of account `account` (bare name, no AUTH_ prefix), if any. */
  lookup(account: string, user: string): UserRecord | undefined {
    return this.byId.get(`${account}:${user}`);
  }

  /** The user behind an S3 access key id, which is "account:user". */
  lookupS3(accessKeyId: string): UserRecord | undefined {
    const at = accessKeyId.indexOf(':');
    if (at <= 0) return undefined;
    return this.lookup(accessKeyId.slice(0, at), accessKeyId.slice(at + 1));
  }

  /** Every user, in load order. */
  records(): UserRecord[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }
}
