import { cookieValue, openSession, sealSession, sessionCookie, type Session } from './session';

const key = crypto.getRandomValues(new Uint8Array(32));
const session: Session = {
  token: 'header.payload.signature',
  person: { role: 'gp', organisation: 'A81001', userId: 'dr-a' },
  patient: '9434765919',
};

/**
 * The value with one character changed in the middle of a part (3: the ciphertext, 4: the
 * tag). A middle character's six bits are all decoded; the last character of a part is not a
 * safe place, since its low bits are padding (an edit there went unnoticed 1 time in 256).
 */
function tampered(sealed: string, part: 3 | 4): string {
  const parts = sealed.split('.');
  const text = parts[part] ?? '';
  const at = Math.floor(text.length / 2);
  parts[part] = `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
  return parts.join('.');
}

describe('the session cookie', () => {
  it('round-trips, and its value shows neither the token nor the NHS number', async () => {
    const sealed = await sealSession(session, key, 60);
    expect(sealed).not.toContain('9434765919');
    expect(sealed).not.toContain('header.payload');
    await expect(openSession(sealed, key)).resolves.toEqual(session);
  });

  it('is refused under another key, tampered with, or absent', async () => {
    const sealed = await sealSession(session, key, 60);
    const other = crypto.getRandomValues(new Uint8Array(32));
    await expect(openSession(sealed, other)).resolves.toBeUndefined();
    expect(sealed.split('.')).toHaveLength(5);
    await expect(openSession(tampered(sealed, 3), key)).resolves.toBeUndefined();
    await expect(openSession(tampered(sealed, 4), key)).resolves.toBeUndefined();
    await expect(openSession(undefined, key)).resolves.toBeUndefined();
  });

  it('is HttpOnly and SameSite=Strict, and read back from a Cookie header', () => {
    const header = sessionCookie('abc', 60, true);
    expect(header).toContain('HttpOnly');
    expect(header).toContain('SameSite=Strict');
    expect(header).toContain('Secure');
    expect(cookieValue('a=1; carelog_session=abc; b=2', 'carelog_session')).toBe('abc');
  });
});
