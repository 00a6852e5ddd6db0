/** The one place that turns numbers (and caught errors) into words for logs and reports. */

/** What a caught value says: an Error's message, anything else as a string. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

const count = new Intl.NumberFormat('en-US')

/** 1204 -> "1,204". */
export function formatCount(value: number): string {
  return count.format(value)
}

/** "1 row", "1,204 rows". */
export function plural(value: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${formatCount(value)} ${value === 1 ? noun : pluralNoun}`
}

/** 10_000_000 -> "10 MB" (1000-based, as chunk-size's default is written). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 'B'
  for (const next of units) {
    if (value < 1000) break
    value /= 1000
    unit = next
  }
  return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))} ${unit}`
}

/** 125_000 -> "2m 5s"; 900 -> "0.9s". */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${Number((ms / 1000).toFixed(1))}s`
  const totalSeconds = Math.round(ms / 1000)
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  if (hours > 0) return `${hours}h ${minutes}m`
  return minutes > 0 ? `${minutes}m ${seconds}s` : `${seconds}s`
}
