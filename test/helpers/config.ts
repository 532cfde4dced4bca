import Value from 'typebox/value';
import { type Config, ConfigSchema } from '../../src/core/config/schema.js';

/** The built-in default config, as headroom runs with no file. */
export function defaultConfig(overrides: Record<string, unknown> = {}): Config {
  return Value.Default(ConfigSchema, structuredClone(overrides)) as Config;
}
