/**
 * Streams a failures/warnings answer (a delimited file, not JSON) to disk. An empty answer
 * leaves no file; a JSON `success:false` answer is a Marketo error, not a file.
 */
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { marketoError, parseJson } from './answers.js'
import { transportFailure, type HttpResponse } from './http.js'
import { AttemptFailure } from './retry.js'

/** A Marketo error answer is a few hundred bytes; anything longer that starts with `{` is data. */
const MAX_JSON_ERROR_BYTES = 64 * 1024

/**
 * The largest failures or warnings file saved. Marketo's echo the rows of a job of at most
 * 10 MB; past this the download stops, so a runaway answer cannot fill the runner's disk.
 */
export const MAX_ROW_FILE_BYTES = 2 ** 30

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d, 0xef, 0xbb, 0xbf]) // BOM bytes count as blank

/** Writes the answer body to `destinationPath`; false (and no file) when the body is empty. */
export async function saveAnswerFile(
  response: HttpResponse,
  destinationPath: string,
  signal?: AbortSignal
): Promise<boolean> {
  const chunks = response.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const next = async (): Promise<IteratorResult<Buffer>> => {
    try {
      return await chunks.next()
    } catch (error) {
      throw transportFailure(error, signal)
    }
  }

  // Read until the first meaningful byte, which says whether this is a file or a JSON error.
  const head: Buffer[] = []
  let headBytes = 0
  let firstByte: number | undefined
  while (firstByte === undefined) {
    const item = await next()
    if (item.done) return false
    head.push(item.value)
    headBytes += item.value.length
    firstByte = item.value.find((byte) => !WHITESPACE.has(byte))
  }

  let ended = false
  if (firstByte === 0x7b /* { */) {
    while (!ended && headBytes <= MAX_JSON_ERROR_BYTES) {
      const item = await next()
      if (item.done) ended = true
      else {
        head.push(item.value)
        headBytes += item.value.length
      }
    }
    if (ended) {
      const error = marketoError(parseJson(Buffer.concat(head).toString('utf8')))
      if (error) {
        throw new AttemptFailure(error.code, error.message, { httpStatus: response.statusCode })
      }
    }
  }

  async function* content(): AsyncGenerator<Buffer> {
    yield* head
    if (ended) return
    let saved = headBytes
    for (let item = await next(); !item.done; item = await next()) {
      saved += item.value.length
      if (saved > MAX_ROW_FILE_BYTES) {
        throw new AttemptFailure(
          'FILE_TOO_LARGE',
          `the file is larger than ${MAX_ROW_FILE_BYTES / 2 ** 30} GiB; not downloaded past it`,
          { httpStatus: response.statusCode }
        )
      }
      yield item.value
    }
  }

  await mkdir(dirname(destinationPath), { recursive: true })
  const partialPath = `${destinationPath}.partial`
  try {
    await pipeline(content(), createWriteStream(partialPath), signal ? { signal } : {})
    await rename(partialPath, destinationPath)
  } catch (error) {
    await rm(partialPath, { force: true })
    if (signal?.aborted) throw signal.reason
    throw error
  }
  return true
}
