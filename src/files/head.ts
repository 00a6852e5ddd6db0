import { open } from 'node:fs/promises'

/** Bytes read from a file's start to tell text from binary (as git does) and to see its header. */
export const HEAD_BYTES = 8000

/** The first `HEAD_BYTES` of a file, or all of it when it is shorter. */
export async function readHead(path: string): Promise<Buffer> {
  const file = await open(path, 'r')
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await file.close()
  }
}
