/** Marketo's per-call limits for removals: 300 records a call, URLs within 8 KB. */

export const MAX_RECORDS_PER_CALL = 300
/** Marketo answers 414 past 8 KB of URL. */
export const MAX_URL_BYTES = 8192

/** Slices of at most `size` items, in order. */
export function chunksOf<T>(items: readonly T[], size = MAX_RECORDS_PER_CALL): T[][] {
  const chunks: T[][] = []
  for (let at = 0; at < items.length; at += size) chunks.push(items.slice(at, at + size))
  return chunks
}

/**
 * The emails in lookup batches: at most 300 each, and each batch's URL
 * (`base` + `?filterType=email&filterValues=…&fields=id%2Cemail`) within Marketo's 8 KB.
 */
export function lookupBatches(emails: readonly string[], baseUrl: string): string[][] {
  const fixed =
    Buffer.byteLength(baseUrl) +
    new URLSearchParams({ filterType: 'email', filterValues: '', fields: 'id,email' }).toString()
      .length +
    1
  const budget = MAX_URL_BYTES - fixed
  const batches: string[][] = []
  let batch: string[] = []
  let bytes = 0
  for (const email of emails) {
    // Form-encoded as URLSearchParams sends it; a comma (%2C) before every value but the first.
    const size = encodedLength(email) + (batch.length > 0 ? 3 : 0)
    if (batch.length > 0 && (batch.length === MAX_RECORDS_PER_CALL || bytes + size > budget)) {
      batches.push(batch)
      batch = []
      bytes = 0
    }
    bytes += batch.length > 0 ? size : encodedLength(email)
    batch.push(email)
  }
  if (batch.length > 0) batches.push(batch)
  return batches
}

function encodedLength(value: string): number {
  return new URLSearchParams({ v: value }).toString().length - 2
}
