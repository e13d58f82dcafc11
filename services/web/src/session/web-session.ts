import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { SafeHtml } from '../html/html';
import { noRecordPage, problemPage } from '../html/pages';
import type { Problem } from '../platform/plain-words';
import type { SignedInPerson } from './session';
import {
  clearedSessionCookie,
  cookieValue,
  openSession,
  sealSession,
  SESSION_COOKIE,
  sessionCookie,
  type Session,
} from './session';
import { WEB_SETTINGS, type WebSettings } from '../web-settings';

/** Reads and writes the session cookie, and sends pages; one place for both. */
@Injectable()
export class WebSession {
  constructor(@Inject(WEB_SETTINGS) private readonly settings: WebSettings) {}

  of(request: Request): Promise<Session | undefined> {
    return openSession(
      cookieValue(request.headers.cookie, SESSION_COOKIE),
      this.settings.sessionKey,
    );
  }

  /** The session, or a redirect to sign in (and undefined) when there is none. */
  async signedIn(request: Request, response: Response): Promise<Session | undefined> {
    const session = await this.of(request);
    if (!session) this.redirect(response, '/sign-in');
    return session;
  }

  /** The session of a person `may` admits; anyone else gets "not allowed" in words (403). */
  async signedInAs(
    request: Request,
    response: Response,
    may: (person: SignedInPerson) => boolean,
  ): Promise<Session | undefined> {
    const session = await this.signedIn(request, response);
    if (session && !may(session.person)) {
      this.send(response, problemPage(session, { status: 403, code: 'not-permitted' }), 403);
      return undefined;
    }
    return session;
  }

  /** A patient that cannot be shown gets the one "No record found" page; other problems in words. */
  sendProblem(response: Response, session: Session, problem: Problem): void {
    if (problem.code === 'patient-not-found')
      return this.send(response, noRecordPage(session), 404);
    this.send(response, problemPage(session, problem), problem.status);
  }

  async save(response: Response, session: Session): Promise<void> {
    const sealed = await sealSession(
      session,
      this.settings.sessionKey,
      this.settings.sessionSeconds,
    );
    response.setHeader(
      'Set-Cookie',
      sessionCookie(sealed, this.settings.sessionSeconds, this.settings.secureCookie),
    );
  }

  clear(response: Response): void {
    response.setHeader('Set-Cookie', clearedSessionCookie(this.settings.secureCookie));
  }

  send(response: Response, page: SafeHtml, status = 200): void {
    response.status(status).type('html').send(page.value);
  }

  /** After a form: back to a page with `?done=` naming what was done (never record content). */
  redirect(response: Response, to: string): void {
    response.redirect(303, to);
  }
}
