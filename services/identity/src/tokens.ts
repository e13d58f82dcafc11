/** Injection tokens of the identity service. */
export const IDENTITY_SETTINGS = Symbol('IDENTITY_SETTINGS');
export const CONNECTED_SYSTEMS = Symbol('CONNECTED_SYSTEMS');
export const IDENTITY_DATABASE = Symbol('IDENTITY_DATABASE');
