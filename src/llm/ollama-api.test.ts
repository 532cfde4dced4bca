import { describe, expect, it } from 'vitest';
import { expiresInS, parseOllamaPs, parseOllamaTags } from './ollama-api.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

// Shaped after Ollama's docs/api.md "List Running Models" answer (context_length from 0.6+).
const PS = {
  models: [
    {
      name: 'qwen2.5:14b',
      model: 'qwen2.5:14b',
      size: 11_534_000_000,
      digest: '7cdf5a0187d5c58cc5d369b255592f7841d1c4696d45a8c8a9489440385b22f6',
      details: { parent_model: '', format: 'gguf', family: 'qwen2', families: ['qwen2'], parameter_size: '14.8B', quantization_level: 'Q4_K_M' },
      expires_at: '2026-01-01T00:05:00.83753+00:00',
      size_vram: 10_866_000_000,
      context_length: 4096,
    },
    {
      name: 'nomic-embed-text:latest',
      model: 'nomic-embed-text:latest',
      size: 590_000_000,
      details: { family: 'nomic-bert', parameter_size: '137M', quantization_level: 'F16' },
      // keep_alive: -1 — Ollama adds Go's largest duration to now.
      expires_at: '2318-04-12T23:47:16.854775807+00:00',
      size_vram: 0,
    },
  ],
};

describe('parseOllamaPs', () => {
  it('reads the documented fields, bytes → GiB, keep-alive forever → null', () => {
    expect(parseOllamaPs(PS, NOW)).toEqual([
      {
        name: 'qwen2.5:14b',
        family: 'qwen2',
        params: '14.8B',
        quantization: 'Q4_K_M',
        size_vram_gb: 10.12,
        size_gb: 10.74,
        context_length: 4096,
        expires_in_s: 301,
        expires_at: '2026-01-01T00:05:00.83753+00:00',
      },
      {
        name: 'nomic-embed-text:latest',
        family: 'nomic-bert',
        params: '137M',
        quantization: 'F16',
        size_vram_gb: 0,
        size_gb: 0.55,
        context_length: null,
        expires_in_s: null,
        expires_at: '2318-04-12T23:47:16.854775807+00:00',
      },
    ]);
  });

  it('an empty list is no models', () => {
    expect(parseOllamaPs({ models: [] }, NOW)).toEqual([]);
  });

  it('takes `model` when `name` is missing, skips entries with neither, nulls what is malformed', () => {
    const got = parseOllamaPs(
      { models: [{ model: 'llama3.2:3b', size_vram: -5, size: 'big', details: 'x', context_length: 2.5 }, { size: 1 }, 'junk', null] },
      NOW,
    );
    expect(got).toEqual([
      { name: 'llama3.2:3b', family: null, params: null, quantization: null, size_vram_gb: null, size_gb: null, context_length: null, expires_in_s: null, expires_at: null },
    ]);
  });

  it.each([
    ['an object without models', { error: 'unauthorized' }, /expected \{"models": \[...\]\}, got an object with keys error/],
    ['an array', [], /got an array/],
    ['null', null, /got null/],
    ['models not a list', { models: 'x' }, /expected/],
  ])('%s → error', (_, json, message) => {
    expect(() => parseOllamaPs(json, NOW)).toThrow(message);
  });
});

describe('expiresInS', () => {
  it.each([
    ['in five minutes', '2026-01-01T00:05:00Z', 300],
    ['with a zone offset and nanoseconds', '2026-01-01T01:00:30.999999999+01:00', 31],
    ['already past (unloading)', '2025-12-31T23:59:00Z', 0],
    ['forever (year 2318)', '2318-04-12T23:47:16.854775807Z', null],
    ["Go's zero time while loading", '0001-01-01T00:00:00Z', null],
    ['garbage', 'soon', null],
    ['missing', null, null],
  ])('%s', (_, at, want) => {
    expect(expiresInS(at, NOW)).toBe(want);
  });
});

describe('parseOllamaTags', () => {
  it('counts named models', () => {
    expect(parseOllamaTags({ models: [{ name: 'a' }, { model: 'b' }, {}, 7] })).toBe(2);
    expect(parseOllamaTags({ models: [] })).toBe(0);
  });
  it('rejects a wrong shape', () => {
    expect(() => parseOllamaTags('<html>')).toThrow(/got string/);
  });
});
