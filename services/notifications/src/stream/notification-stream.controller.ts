import { Controller, Get, Headers, Inject, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import {
  ApiAnswer,
  ApiProblems,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentCaller,
} from '@carelog/nest-platform';
import type { Response } from 'express';
import { NOTIFICATION_SETTINGS } from '../tokens';
import type { NotificationSettings } from '../settings';
import {
  assertMayBeNotified,
  identityOf,
  SubscriptionStore,
} from '../subscriptions/subscription-store';
import { FeedFollower } from './feed-follower';
import { NotificationFeed, streamStart } from './notification-feed';

/** Notifications read per query. */
const PAGE = 100;
/** A comment line this often keeps proxies from closing an idle stream. */
const KEEP_ALIVE_MS = 15_000;

@ApiTags('notifications')
@ApiProblems(...CALLER_PROBLEMS)
@ApiBearerAuth()
@Controller('v1/notifications')
@UseGuards(CallerGuard)
export class NotificationStreamController {
  constructor(
    @Inject(NotificationFeed) private readonly feed: NotificationFeed,
    @Inject(SubscriptionStore) private readonly store: SubscriptionStore,
    @Inject(NOTIFICATION_SETTINGS) private readonly settings: NotificationSettings,
  ) {}

  @Get('stream')
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'Resume after this event id (sent by EventSource on reconnect)',
  })
  @ApiQuery({
    name: 'from',
    required: false,
    enum: ['start', 'latest'],
    description:
      'Without Last-Event-ID: `start` (default) sends every notification kept, `latest` only those that come after the stream opens',
  })
  @ApiOperation({
    summary:
      "Server-sent events: the caller's notifications from the durable table, oldest first; opening it subscribes the caller",
  })
  @ApiAnswer(
    200,
    'Server-sent events, each `id:` the notification id and `data:` the notification',
    { type: 'string' },
    { contentType: 'text/event-stream' },
  )
  async stream(
    @Headers('last-event-id') lastEventId: string | undefined,
    @Query('from') from: string | undefined,
    @CurrentCaller() caller: Caller,
    @Res() response: Response,
  ): Promise<void> {
    assertMayBeNotified(caller);
    const start = streamStart(lastEventId, from);
    const identity = identityOf(caller);
    await this.store.register(identity);
    const cursor = start === 'latest' ? await this.feed.latest(identity) : start.after;
    response.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.flushHeaders();
    response.write('retry: 2000\n\n');

    const follower = new FeedFollower({
      read: (after) => this.feed.after(identity, after, PAGE),
      send: ({ seq, notification }) =>
        response.write(
          `id: ${seq}\nevent: notification\ndata: ${JSON.stringify(notification)}\n\n`,
        ),
      keepAlive: () => response.write(': keep-alive\n\n'),
      after: cursor,
      pageSize: PAGE,
      pollMs: this.settings.streamPollMs,
      keepAliveMs: KEEP_ALIVE_MS,
    });
    const untrack = this.feed.track(
      () => follower.end(),
      () => follower.wake(),
    );
    // Fires when the client goes away: the stream stops reading for it.
    response.on('close', () => follower.end());
    try {
      await follower.run();
    } catch {
      // The database went away mid-stream: end it; the client resumes with Last-Event-ID.
    } finally {
      untrack();
      response.end();
    }
  }
}
