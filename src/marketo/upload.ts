/** The multipart upload of one submit attempt. */
import { Readable } from 'node:stream'
import { isTransientTransportCode } from './error-codes.js'
import type { MultipartEnvelope } from './multipart.js'
import type { AttemptFailure } from './retry.js'
import type { UploadSource } from './types.js'

/** A failure after the whole upload may still have created the job in Marketo. */
export function mayHaveTakenEffect(failure: AttemptFailure): boolean {
  return (
    isTransientTransportCode(failure.code) ||
    /^HTTP 5\d\d$/.test(failure.code) ||
    failure.code === 'ANSWER_TOO_LARGE'
  )
}

/** The multipart body of one attempt, streamed; knows whether it was sent to the end. */
export class UploadBody {
  readonly stream: Readable
  readonly byteLength: number
  sent = false
  sourceError: unknown = undefined

  constructor(envelope: MultipartEnvelope, source: UploadSource, onBytes: (bytes: number) => void) {
    this.byteLength = envelope.head.length + source.byteLength + envelope.tail.length
    const parts = async function* (body: UploadBody): AsyncGenerator<Buffer> {
      yield envelope.head
      try {
        for await (const chunk of source.open()) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
          onBytes(bytes.length)
          yield bytes
        }
      } catch (error) {
        body.sourceError = error
        throw error
      }
      yield envelope.tail
    }
    this.stream = Readable.from(parts(this), { objectMode: false })
    this.stream.once('end', () => {
      this.sent = true
    })
  }
}
