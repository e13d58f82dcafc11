import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Caller } from '@carelog/auth';
import {
  ApiAnswer,
  ApiProblems,
  BODY_PROBLEMS,
  CALLER_PROBLEMS,
  CallerGuard,
  CurrentCaller,
  objectSchema,
  type SchemaObject,
} from '@carelog/nest-platform';
import { WebhookEgress } from '../webhooks/webhook-egress';
import {
  assertDestinationAllowed,
  assertMayBeNotified,
  identityOf,
  parseWebhookUrl,
  SubscriptionStore,
  type SubscriptionView,
} from './subscription-store';

const SUBSCRIPTION: SchemaObject = objectSchema<SubscriptionView>({
  id: { type: 'string' },
  url: { type: 'string', format: 'uri' },
  createdAt: { type: 'string', format: 'date-time' },
});

@ApiTags('subscriptions')
@ApiProblems(...CALLER_PROBLEMS)
@ApiBearerAuth()
@Controller('v1/subscriptions')
@UseGuards(CallerGuard)
export class SubscriptionsController {
  constructor(
    @Inject(SubscriptionStore) private readonly store: SubscriptionStore,
    @Inject(WebhookEgress) private readonly egress: WebhookEgress,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary:
      "Register a webhook for the caller's identity; the answer holds its signing secret, shown only this once",
  })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['url'],
      properties: { url: { type: 'string', format: 'uri' } },
    },
    examples: { webhook: { value: { url: 'https://example.org/carelog/notifications' } } },
  })
  @ApiResponse({
    status: 400,
    description:
      '`invalid-url`; or `webhook-destination-not-allowed`: the host is, or resolves to, a loopback, private, link-local, metadata or other non-public address no operator allowed (CARELOG_WEBHOOK_ALLOWED_DESTINATIONS), or does not resolve',
  })
  @ApiAnswer(
    201,
    'The subscription and its signing secret (shown only this once)',
    {
      ...SUBSCRIPTION,
      required: [...(SUBSCRIPTION.required ?? []), 'secret'],
      properties: { ...SUBSCRIPTION.properties, secret: { type: 'string' } },
    },
    {
      links: {
        remove: {
          operationId: 'SubscriptionsController_remove',
          parameters: { id: '$response.body#/id' },
        },
      },
    },
  )
  @ApiProblems(...BODY_PROBLEMS)
  async create(
    @Body() body: unknown,
    @CurrentCaller() caller: Caller,
  ): Promise<SubscriptionView & { secret: string }> {
    assertMayBeNotified(caller);
    const url = parseWebhookUrl(body);
    await assertDestinationAllowed(this.egress, url);
    return this.store.create(identityOf(caller), url);
  }

  @Get()
  @ApiOperation({ summary: "The caller's own webhook subscriptions (without secrets)" })
  @ApiAnswer(
    200,
    "The caller's subscriptions",
    objectSchema<{ subscriptions: SubscriptionView[] }>({
      subscriptions: { type: 'array', items: SUBSCRIPTION },
    }),
  )
  async list(@CurrentCaller() caller: Caller): Promise<{ subscriptions: SubscriptionView[] }> {
    return { subscriptions: await this.store.list(identityOf(caller)) };
  }

  @Delete(':id')
  @ApiParam({ name: 'id', schema: { type: 'string', format: 'uuid' } })
  @HttpCode(204)
  @ApiOperation({
    summary: 'End one of the caller’s subscriptions; deliveries not yet made are cancelled',
  })
  @ApiResponse({ status: 204, description: 'Ended' })
  @ApiProblems(404)
  async remove(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<void> {
    await this.store.delete(identityOf(caller), id);
  }
}
