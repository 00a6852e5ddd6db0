import type { Interceptable } from 'undici'
import type { Clock, Sleep } from '../src/time.js'

/** The function form of a MockAgent reply's data (undici does not export the type by name). */
type ReplyData = NonNullable<Parameters<ReturnType<Interceptable['intercept']>['reply']>[1]>
export type DataHandler = Extract<ReplyData, (...args: never[]) => unknown>
export type ReplyOptions = Parameters<DataHandler>[0]

export interface InstantTime {
  clock: Clock
  now: () => number
  set: (ms: number) => void
  sleep: Sleep
  /** Every wait asked for, in order. */
  sleeps: number[]
}

/**
 * A clock that only moves when the code under test sleeps (or a test sets it): each sleep
 * returns after one microtask, with the clock at least at its end. For tests of one client
 * against a MockAgent; `VirtualTime` orders many sleepers instead.
 */
export function instantTime(start: number): InstantTime {
  let now = start
  const sleeps: number[] = []
  const sleep: Sleep = async (ms, signal) => {
    signal?.throwIfAborted()
    sleeps.push(ms)
    const until = now + ms
    await Promise.resolve()
    now = Math.max(now, until)
    signal?.throwIfAborted()
  }
  const read = (): number => now
  const set = (ms: number): void => {
    now = ms
  }
  return { clock: { now: read }, now: read, set, sleep, sleeps }
}
