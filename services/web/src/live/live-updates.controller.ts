import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { WebSession } from '../session/web-session';
import { WEB_SETTINGS, type WebSettings } from '../web-settings';

/** What a page is told of a notification: never the NHS number, never content. */
export function forThePage(data: string): string | undefined {
  try {
    const notification = JSON.parse(data) as Record<string, unknown>;
    return JSON.stringify({
      entryType: notification['entryType'],
      occurredAt: notification['occurredAt'],
      reason: notification['reason'],
    });
  } catch {
    return undefined;
  }
}

/** One server-sent event block, re-written for the page (ids and event names kept). */
export function relayBlock(block: string): string {
  const lines = block.split('\n').flatMap((line) => {
    if (!line.startsWith('data:')) return [line];
    const data = forThePage(line.slice(5).trim());
    return data ? [`data: ${data}`] : [];
  });
  return `${lines.join('\n')}\n\n`;
}

/** The page's script: notifications as they arrive, in a polite live region (no inline script). */
const LIVE_JS = `(function () {
  var box = document.getElementById('live-updates');
  if (!box || !window.EventSource) return;
  var list = box.querySelector('ul');
  var source = new EventSource('/events');
  source.addEventListener('notification', function (event) {
    var note = JSON.parse(event.data);
    var words = String(note.entryType || 'Entry').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    var item = document.createElement('li');
    item.textContent = words.charAt(0).toUpperCase() + words.slice(1) +
      (note.reason === 'attention' ? ', flagged for you' : '') +
      (note.occurredAt ? ' (' + new Date(note.occurredAt).toLocaleString('en-GB') + ')' : '');
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 5) list.removeChild(list.lastChild);
    box.hidden = false;
  });
})();
`;

/**
 * Live updates: the notifications service's stream for the signed-in person, relayed with
 * their own token (the browser never holds it) and stripped to the entry type, time and why.
 */
@ApiExcludeController()
@Controller()
export class LiveUpdatesController {
  constructor(
    @Inject(WEB_SETTINGS) private readonly settings: WebSettings,
    @Inject(WebSession) private readonly session: WebSession,
  ) {}

  @Get('assets/live.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  script(): string {
    return LIVE_JS;
  }

  @Get('events')
  async events(@Req() request: Request, @Res() response: Response): Promise<void> {
    const session = await this.session.of(request);
    // Patients and privacy officers are never notified (README, "Notifications").
    if (
      !session ||
      session.person.role === 'patient' ||
      session.person.role === 'privacy-officer'
    ) {
      response.status(204).end();
      return;
    }
    const abort = new AbortController();
    request.on('close', () => abort.abort());
    const lastEventId = request.headers['last-event-id'];
    let upstream: globalThis.Response;
    try {
      // A page shows what happens while it is open, not the notifications of the past: the
      // first connection starts after the newest; a reconnection resumes after its last id.
      upstream = await fetch(
        `${this.settings.upstreams.notifications}/v1/notifications/stream?from=latest`,
        {
          headers: {
            Authorization: `Bearer ${session.token}`,
            Accept: 'text/event-stream',
            ...(typeof lastEventId === 'string' ? { 'Last-Event-ID': lastEventId } : {}),
          },
          signal: abort.signal,
        },
      );
    } catch {
      response.status(204).end();
      return;
    }
    if (!upstream.ok || !upstream.body) {
      response.status(204).end();
      return;
    }
    response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      for await (const chunk of upstream.body as unknown as AsyncIterable<Uint8Array>) {
        buffered += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          response.write(relayBlock(buffered.slice(0, end)));
          buffered = buffered.slice(end + 2);
        }
      }
    } catch {
      // The page went away, or the stream ended: the browser reconnects with Last-Event-ID.
    } finally {
      response.end();
    }
  }
}
