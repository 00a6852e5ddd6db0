/** What changed-since found in one file. */
export interface FileChanges {
  displayPath: string
  /** The file did not exist at the ref: every record is new. */
  newFile: boolean
  unchanged: number
  /** Records whose email was in the earlier revision with other values. */
  changed: number
  /** Records whose email was not in the earlier revision. */
  added: number
  /** Records of the earlier revision whose email is gone from the file: they stay in Marketo. */
  removed: number
  /** Lines of the first removed records, in the earlier revision of the file. */
  removedLines: number[]
}

export interface ChangeSummary {
  /** The ref as given. */
  ref: string
  /** The commit it names; null for the all-zero sha of a branch's first push. */
  commit: string | null
  files: FileChanges[]
}
