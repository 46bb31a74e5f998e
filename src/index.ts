/**
 * anyio-ts: structured concurrency and async I/O for Node.js, Bun and Deno.
 *
 * This module only re-exports the public API.
 *
 * @module
 */
export {
  CancelScope,
  type CancelScopeOptions,
  currentEffectiveDeadline,
  currentTime,
  type FailAfterOptions,
  failAfter,
  failAt,
  type MoveOnOptions,
  moveOnAfter,
  moveOnAt,
} from "./core/cancel-scope.js";
export { cancelShieldedCheckpoint, checkpoint, checkpointIfCancelled } from "./core/checkpoint.js";
export { type Clock, realClock, type TimerTarget } from "./core/clock.js";
export {
  AnyioError,
  BrokenResourceError,
  BusyResourceError,
  Cancelled,
  ClosedResourceError,
  DelimiterNotFound,
  EndOfStream,
  IncompleteRead,
  InvalidStateError,
  isAnyioError,
  TaskCancelled,
  TaskFailed,
  TaskNotFinished,
  TimeoutError,
  TypedAttributeLookupError,
  WouldBlock,
} from "./core/errors.js";
export { catchGroup, type ErrorMatcher, ExceptionGroup } from "./core/exception-group.js";
export { type RunOptions, run } from "./core/run.js";
export { cancellable, currentSignal } from "./core/signal.js";
export { sleep, sleepForever, sleepUntil } from "./core/sleep.js";
export {
  named,
  TASK_STATUS_IGNORED,
  TaskGroup,
  TaskHandle,
  type TaskHandleStatus,
  type TaskStatus,
  withTaskGroup,
} from "./core/task-group.js";
export {
  formatTaskTree,
  getCurrentTask,
  getRunningTasks,
  TaskInfo,
  waitAllTasksBlocked,
} from "./core/tasks.js";

// results

export {
  FutureAlreadyFinished,
  FutureCancelled,
  FutureFailed,
  FutureNotFinished,
} from "./core/errors.js";
export { type AmapOptions, amap } from "./results/amap.js";
export {
  asCompleted,
  type CompletedHandles,
  type CompletedValue,
} from "./results/as-completed.js";
export { Future, type FutureOptions, type FutureStatus } from "./results/future.js";
export { type GatherResults, gather } from "./results/gather.js";
export { type RaceValue, race } from "./results/race.js";
export { raceAny } from "./results/race-any.js";

// sync

export { CapacityLimiter, type CapacityLimiterStatistics } from "./sync/capacity-limiter.js";
export { Condition, type ConditionStatistics } from "./sync/condition.js";
export { Event, type EventStatistics } from "./sync/event.js";
export { Lock, type LockOptions, type LockStatistics } from "./sync/lock.js";
export { ResourceGuard } from "./sync/resource-guard.js";
export { Semaphore, type SemaphoreOptions, type SemaphoreStatistics } from "./sync/semaphore.js";

// streams

export { AsyncResource } from "./streams/async-resource.js";
export {
  BufferedByteReceiveStream,
  BufferedByteStream,
} from "./streams/buffered-byte-stream.js";
export {
  type AnyByteReceiveStream,
  type AnyByteSendStream,
  type AnyByteStream,
  ByteReceiveStream,
  ByteSendStream,
  ByteStream,
} from "./streams/byte-stream.js";
export {
  FileReadStream,
  FileStreamAttribute,
  FileWriteStream,
  type FileWriteStreamOptions,
  type SeekWhence,
} from "./streams/file-stream.js";
export { Listener } from "./streams/listener.js";
export {
  createMemoryObjectStream,
  MemoryObjectReceiveStream,
  MemoryObjectSendStream,
  type MemoryObjectStreamStatistics,
} from "./streams/memory-object-stream.js";
export { MultiListener } from "./streams/multi-listener.js";
export {
  ObjectReceiveStream,
  ObjectSendStream,
  ObjectStream,
  UnreliableObjectReceiveStream,
  UnreliableObjectSendStream,
  UnreliableObjectStream,
} from "./streams/object-stream.js";
export { StapledByteStream, StapledObjectStream } from "./streams/stapled-stream.js";
export {
  type TextErrors,
  TextReceiveStream,
  type TextReceiveStreamOptions,
  TextSendStream,
  type TextSendStreamOptions,
  TextStream,
} from "./streams/text-stream.js";
export {
  type ExtraAttributes,
  TypedAttribute,
  TypedAttributeProvider,
  typedAttribute,
} from "./streams/typed-attribute.js";

// net

export { type AsConnectableOptions, asConnectable } from "./net/as-connectable.js";
export { ConnectionFailed, type ConnectTcpOptions, connectTcp } from "./net/connect-tcp.js";
export {
  ByteStreamConnectable,
  TCPConnectable,
  type TCPConnectableOptions,
  UNIXConnectable,
} from "./net/connectable.js";
export { ConnectedUDPSocket } from "./net/connected-udp-socket.js";
export {
  createConnectedUdpSocket,
  createUdpSocket,
  type UDPSocketOptions,
} from "./net/create-udp-socket.js";
export { type AddressInfo, type GetaddrinfoOptions, getaddrinfo, getnameinfo } from "./net/dns.js";
export {
  type IPSocketAddress,
  type SocketAddress,
  SocketAttribute,
  type SocketFamily,
} from "./net/socket-attribute.js";
export { SocketListener } from "./net/socket-listener.js";
export { SocketStream } from "./net/socket-stream.js";
export { type CreateTcpListenerOptions, createTcpListener } from "./net/tcp-listener.js";
export { TLSAttribute } from "./net/tls-attribute.js";
export { TLSConnectable, type TLSConnectableOptions } from "./net/tls-connectable.js";
export { TLSListener, type TLSListenerOptions } from "./net/tls-listener.js";
export { TLSStream } from "./net/tls-stream.js";
export type { TLSContextOptions, TLSWrapOptions } from "./net/tls-wrap-options.js";
export { UDP_QUEUE_LIMIT, type UDPPacket } from "./net/udp-packet.js";
export { UDPSocket } from "./net/udp-socket.js";
export {
  type CreateUnixListenerOptions,
  connectUnix,
  createConnectedUnixDatagramSocket,
  createUnixDatagramSocket,
  createUnixListener,
  receiveFds,
  sendFds,
} from "./net/unix.js";
