import Value from 'typebox/value';
import { type Config, ConfigSchema } from '../../src/core/config/schema.js';

/** The built-in default config, as headroom runs with no file. */
export function defaultConfig(overrides: Record<string, unknown> = {}): Config {
  return Value.Default(ConfigSchema, structuredClone(overrides)) as Config;
}

/**
 * Network sources (apcupsd, NUT, Ollama) pointed at port 9 on loopback, so runs over fixture
 * hosts give the same payloads on every machine, whatever daemons it happens to run: nothing
 * listens on TCP 9 (discard) on a normal host, and fetch() refuses port 9 outright ("bad port").
 */
export const OFFLINE_PEERS = {
  ups: { nis_host: '127.0.0.1', nis_port: 9, nut_host: '127.0.0.1', nut_port: 9 },
  ollama: { base_url: 'http://127.0.0.1:9' },
};
