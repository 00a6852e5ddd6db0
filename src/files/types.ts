import type { ImportFormat } from '../marketo/types.js'

/** One matched input file, scanned once. */
export interface FilePlan {
  /** Absolute path. */
  path: string
  /** Path as shown to the user: relative to the workspace, forward slashes. */
  displayPath: string
  format: ImportFormat
  sizeBytes: number
  /** Data records (header excluded); a record may span several lines when a quoted field holds a line break. */
  rows: number
  /**
   * Byte range of the header record, line break included. It starts after a UTF-8 byte order
   * mark, so no part repeats the mark; `start === end` for a file with no record at all.
   */
  header: { start: number; end: number }
  /**
   * Set when columns are renamed (columns, map-display-names): the header the parts are sent
   * with instead of the file's, and the columns Marketo's failure and warning files come back with.
   */
  sentHeader?: { columns: string[]; bytes: Buffer; mappings: ColumnMapping[] }
  /**
   * status-column: the column holding each row's member status, as the input names it, and its
   * index in the file's header. It is left out of the sent header and of every part's records.
   */
  statusColumn?: { name: string; at: number }
  parts: Part[]
}

/** A header sent under another name: by the `columns` input, or a field's display name. */
export interface ColumnMapping {
  from: string
  to: string
  why: 'columns' | 'display name'
}

/**
 * A slice of an input file submitted as one import job: the file's header followed by the
 * records in [byteStart, byteEnd) of the original file.
 */
export interface Part {
  /** Absolute path of the source file. */
  path: string
  displayPath: string
  format: ImportFormat
  /** 1-based index of this part within its file. */
  index: number
  /** Number of parts of its file. */
  count: number
  byteStart: number
  byteEnd: number
  /**
   * Size of the part's content: header + records, what `partSource(...).byteLength` streams.
   * The multipart framing comes on top; the plan keeps content + framing within chunk-size.
   */
  bytes: number
  rows: number
  /** 1-based line of the file where this part's first record starts. */
  firstLine: number
  /**
   * Set when the part sends only some records of [byteStart, byteEnd) (changed-since): the byte
   * ranges streamed after the header, in file order. byteStart/byteEnd are the first range's
   * start and the last range's end.
   */
  ranges?: { start: number; end: number }[]
  /**
   * Set when the part's records are sent without one of their fields (status-column): the
   * field's index in the file's header, and the bytes of the part's records re-encoded without
   * it (what is streamed after the sent header).
   */
  leftOut?: { field: number; recordBytes: number }
}
