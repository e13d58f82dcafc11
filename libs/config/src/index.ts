export * from './setting-types';
export { SETTINGS, SETTING_GROUPS, SETTING_PREFIXES, DEFAULT_LOCAL_DIR } from './settings';
export type { SettingDeclaration, SettingGroup, SettingName, SettingValue } from './settings';
export {
  checkSettingsFor,
  familySetting,
  InvalidSettingError,
  rawSetting,
  rawSettings,
  refusal,
  SERVICE_GROUPS,
  setting,
  settingsOf,
  type Environment,
} from './read-settings';
export { settingsTables, SETTINGS_BEGIN, SETTINGS_END, withSettingsTables } from './settings-table';
