import { setFlagsFromString } from 'node:v8';

/**
 * V8 tuning for a long-running monitor, applied before any other module is evaluated (main.ts
 * imports this first), so every function compiled afterwards gets it.
 *
 * The interrupt budget is how much bytecode a function runs before V8 considers optimising
 * it. The default suits short bursts of hot code; a monitor runs the same few hundred
 * functions once a second, and with the default each of them is compiled by TurboFan on a
 * background thread, deoptimised when a payload changes shape, and compiled again — at one
 * collection a second that was 8–12 ms of CPU per second on top of 16 ms of actual work
 * (bench/RESULTS.md). Eight times the budget keeps the once-a-second code in the baseline
 * tiers and still optimises what is really hot (a process scan of thousands, HTTP under load).
 * HEADROOM_V8_DEFAULTS=1 leaves V8 alone (for comparison).
 */
if (process.env.HEADROOM_V8_DEFAULTS !== '1') setFlagsFromString('--interrupt-budget=1048576');
