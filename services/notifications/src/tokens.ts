/** Nest injection tokens of the notifications service. */
export const NOTIFICATION_SETTINGS = Symbol('NOTIFICATION_SETTINGS');
export const NOTIFICATIONS_DATA_SOURCE = Symbol('NOTIFICATIONS_DATA_SOURCE');
