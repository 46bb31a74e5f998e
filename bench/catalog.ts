/**
 * Every scenario of the benchmark suite, in the order the table shows them.
 *
 * Importing this module loads no library: each case imports what it measures in `prepare()`.
 *
 * @module
 */
import type { Scenario } from "./harness.js";
import { cancelSleeping } from "./scenarios/cancel-sleeping.js";
import { checkpointHot, checkpointTimers } from "./scenarios/checkpoint-loop.js";
import { fileRead, fileWrite } from "./scenarios/file.js";
import { gather, mapBounded } from "./scenarios/gather.js";
import { limiter } from "./scenarios/limiter.js";
import { lockContended, lockUncontended } from "./scenarios/lock.js";
import { memoryStreams } from "./scenarios/memory-stream.js";
import { spawnJoin } from "./scenarios/spawn-join.js";
import { sleepMany, taskMemory } from "./scenarios/task-memory.js";
import { tcpRoundTrip, tcpThroughput } from "./scenarios/tcp.js";
import { tlsRoundTrip, tlsThroughput, udpRoundTrip } from "./scenarios/tls-udp.js";

export const scenarios: readonly Scenario[] = [
  spawnJoin,
  cancelSleeping,
  checkpointHot,
  checkpointTimers,
  lockUncontended,
  lockContended,
  limiter,
  ...memoryStreams,
  gather,
  mapBounded,
  taskMemory,
  sleepMany,
  tcpThroughput,
  tcpRoundTrip,
  tlsThroughput,
  tlsRoundTrip,
  udpRoundTrip,
  fileRead,
  fileWrite,
];

/** The scenario called `name`, or `undefined`. */
export function findScenario(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}
