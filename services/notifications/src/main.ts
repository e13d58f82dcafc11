import 'reflect-metadata';
import { serveHttp } from '@carelog/nest-platform';
import { NotificationsModule } from './app.module';

serveHttp({
  name: 'notifications',
  description:
    'Tells approved carers and the care team about care-plan changes and entries flagged for their attention, through signed webhooks and a server-sent-events stream, within what their access allows.',
  module: NotificationsModule,
  portVariable: 'NOTIFICATIONS_PORT',
});
