import {
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { loadEventCodec } from '@carelog/codec';
import {
  createKafka,
  deadLetterTopic,
  ensureTopics,
  platformTopics,
  recordTopicSpec,
  CheckpointedConsumer,
} from '@carelog/kafka';
import {
  CallerModule,
  HealthController,
  MetricsModule,
  PgListener,
  READINESS_CHECKS,
  type ReadinessCheck,
} from '@carelog/nest-platform';
import type { Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { notificationConsumer } from './consumer/notification-consumer';
import { notificationsChannel, NotificationWriter } from './consumer/notification-writer';
import { PatientStateReader } from './recipients/patient-state';
import { settingsFromEnv, webhookDeadLetterTopic, type NotificationSettings } from './settings';
import { migrateNotifications, notificationsDataSource } from './storage/notifications-data-source';
import { NotificationFeed } from './stream/notification-feed';
import { NotificationStreamController } from './stream/notification-stream.controller';
import { SubscriptionStore } from './subscriptions/subscription-store';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { NOTIFICATION_SETTINGS, NOTIFICATIONS_DATA_SOURCE } from './tokens';
import { WebhookEgress } from './webhooks/webhook-egress';
import { WebhookWorker } from './webhooks/webhook-worker';

const KAFKA = Symbol('KAFKA');

class NotificationsLifecycle
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  constructor(
    private readonly settings: NotificationSettings,
    private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    private readonly consumer: CheckpointedConsumer,
    private readonly worker: WebhookWorker,
    private readonly feed: NotificationFeed,
  ) {
    this.listener = new PgListener({
      connectionString: (dataSource.options as { url?: string }).url,
      channel: notificationsChannel(settings.schema),
      onNotify: () => {
        worker.wake();
        feed.wakeAll();
      },
      logger: new Logger('NotificationsListener'),
    });
  }

  /** Committed notifications, from any instance, wake the worker and the open streams. */
  private readonly listener: PgListener;

  async onModuleInit(): Promise<void> {
    await this.dataSource.initialize();
    await migrateNotifications(this.dataSource, this.settings.schema);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, [
        ...platformTopics(),
        recordTopicSpec(deadLetterTopic(this.settings.consumerGroup), 1),
        recordTopicSpec(webhookDeadLetterTopic(this.settings.consumerGroup), 1),
      ]);
    } finally {
      await admin.disconnect();
    }
    await this.listener.start();
    await this.consumer.start();
    this.worker.init();
  }

  /** Open event streams would hold the HTTP server open: end them first. */
  beforeApplicationShutdown(): void {
    this.feed.closeAll();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.worker.stop();
    await this.listener.stop();
    await this.dataSource.destroy();
  }
}

@Module({
  imports: [CallerModule, MetricsModule],
  controllers: [SubscriptionsController, NotificationStreamController, HealthController],
  providers: [
    { provide: NOTIFICATION_SETTINGS, useFactory: () => settingsFromEnv() },
    { provide: KAFKA, useFactory: () => createKafka('carelog-notifications') },
    {
      provide: NOTIFICATIONS_DATA_SOURCE,
      inject: [NOTIFICATION_SETTINGS],
      useFactory: (settings: NotificationSettings) =>
        notificationsDataSource({
          schema: settings.schema,
          applicationName: 'carelog-notifications',
        }),
    },
    {
      provide: SubscriptionStore,
      inject: [NOTIFICATIONS_DATA_SOURCE],
      useFactory: (dataSource: DataSource) => new SubscriptionStore(dataSource),
    },
    {
      provide: WebhookEgress,
      inject: [NOTIFICATION_SETTINGS],
      useFactory: (settings: NotificationSettings) =>
        new WebhookEgress(settings.webhook.allowedDestinations),
    },
    {
      provide: PatientStateReader,
      inject: [NOTIFICATIONS_DATA_SOURCE],
      useFactory: (dataSource: DataSource) => new PatientStateReader(dataSource),
    },
    {
      provide: NotificationFeed,
      inject: [NOTIFICATIONS_DATA_SOURCE, PatientStateReader],
      useFactory: (dataSource: DataSource, reader: PatientStateReader) =>
        new NotificationFeed(dataSource, reader),
    },
    {
      provide: WebhookWorker,
      inject: [
        KAFKA,
        NOTIFICATIONS_DATA_SOURCE,
        PatientStateReader,
        NOTIFICATION_SETTINGS,
        WebhookEgress,
      ],
      useFactory: (
        kafka: Kafka,
        dataSource: DataSource,
        reader: PatientStateReader,
        settings: NotificationSettings,
        egress: WebhookEgress,
      ) => new WebhookWorker(kafka, dataSource, reader, settings, egress),
    },
    {
      provide: CheckpointedConsumer,
      inject: [
        KAFKA,
        NOTIFICATIONS_DATA_SOURCE,
        PatientStateReader,
        NOTIFICATION_SETTINGS,
        WebhookWorker,
      ],
      useFactory: (
        kafka: Kafka,
        dataSource: DataSource,
        reader: PatientStateReader,
        settings: NotificationSettings,
        worker: WebhookWorker,
      ) =>
        notificationConsumer(
          kafka,
          loadEventCodec(),
          reader,
          new NotificationWriter(dataSource, settings.schema),
          {
            consumerGroup: settings.consumerGroup,
            notifyEntryTypes: settings.notifyEntryTypes,
            maxEventAgeMs: settings.maxEventAgeMs,
            onNotified: () => worker.wake(),
          },
        ),
    },
    {
      provide: NotificationsLifecycle,
      inject: [
        NOTIFICATION_SETTINGS,
        KAFKA,
        NOTIFICATIONS_DATA_SOURCE,
        CheckpointedConsumer,
        WebhookWorker,
        NotificationFeed,
      ],
      useFactory: (
        settings: NotificationSettings,
        kafka: Kafka,
        dataSource: DataSource,
        consumer: CheckpointedConsumer,
        worker: WebhookWorker,
        feed: NotificationFeed,
      ) => new NotificationsLifecycle(settings, kafka, dataSource, consumer, worker, feed),
    },
    {
      provide: READINESS_CHECKS,
      inject: [NOTIFICATIONS_DATA_SOURCE, CheckpointedConsumer],
      useFactory: (dataSource: DataSource, consumer: CheckpointedConsumer): ReadinessCheck[] => [
        {
          name: 'postgres',
          isReady: async () => (await dataSource.query<unknown[]>('SELECT 1')).length === 1,
        },
        { name: 'kafka-consumer-group', isReady: () => Promise.resolve(consumer.isJoined) },
      ],
    },
  ],
})
export class NotificationsModule {}
