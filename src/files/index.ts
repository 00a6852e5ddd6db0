export { delimiterOf } from './delimiter.js'
export { detectFormat, type DetectedFormat, type RequestedFormat } from './format.js'
export { HEAD_BYTES, readHead } from './head.js'
export { partSource } from './part-source.js'
export {
  decodeField,
  parseFields,
  RecordReader,
  readRecords,
  recordsOf,
  type RecordBytesVisitor,
  type RecordFields,
  type ReadRecordsOptions,
  type SourceRecord
} from './records.js'
export {
  FileFormatError,
  RecordScanner,
  SCAN_CHUNK_BYTES,
  scanFile,
  type ByteRange,
  type RecordVisitor,
  type ScanOptions,
  type ScanResult
} from './scan.js'
export {
  bareCarriageReturns,
  estimatePartCount,
  holdsBareCarriageReturn,
  LINE_BREAK_PROBE_BYTES,
  PartCutter,
  partFileName,
  planFile,
  planHeader,
  type PlanOptions
} from './split.js'
export type { ColumnMapping, FilePlan, Part } from './types.js'
export {
  encodeHeader,
  encodeRecord,
  locallyKnownRenames,
  oversizedAfterRename,
  readHeader,
  renameColumns,
  mayOversizeAfterRename,
  withSentHeader,
  withSentHeaderOf
} from './sent-header.js'
