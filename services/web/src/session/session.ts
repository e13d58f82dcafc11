import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Role } from '@carelog/domain';

/** Who is signed in, as the web app shows them (the token is what the platform trusts). */
export interface SignedInPerson {
  role: Role;
  organisation: string;
  userId: string;
  /** A patient's own NHS number (from their token), never shown in a URL. */
  nhsNumber?: string;
}

/**
 * The session, kept whole in one encrypted, HttpOnly, SameSite=Strict cookie: the person's
 * bearer token never reaches JavaScript or any storage a script can read, and any instance of
 * the web app can serve any request. The patient being looked at is kept here too, so an NHS
 * number never appears in a URL.
 */
export interface Session {
  token: string;
  person: SignedInPerson;
  patient?: string;
}

export const SESSION_COOKIE = 'carelog_session';

export async function sealSession(
  session: Session,
  key: Uint8Array,
  seconds: number,
): Promise<string> {
  return new EncryptJWT({ session })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt()
    .setExpirationTime(`${seconds}s`)
    .encrypt(key);
}

/** The session in a cookie value, or undefined when absent, expired, or not ours. */
export async function openSession(
  value: string | undefined,
  key: Uint8Array,
): Promise<Session | undefined> {
  if (!value) return undefined;
  try {
    const { payload } = await jwtDecrypt(value, key);
    const session = payload['session'] as Session | undefined;
    return session && typeof session.token === 'string' ? session : undefined;
  } catch {
    return undefined;
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export function sessionCookie(value: string, seconds: number, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${seconds}`,
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

export const clearedSessionCookie = (secure: boolean): string => sessionCookie('', 0, secure);
