/** Where an annotation points: a file of the workspace and a line in it. */
export interface AnnotationPlace {
  title?: string
  file?: string
  startLine?: number
}

/**
 * The one log every stage and module writes to; the action passes @actions/core (through the
 * escaping edge), tests pass a recorder. Each takes only what it uses, as `Pick<Log, ...>`.
 */
export interface Log {
  debug(message: string): void
  info(message: string): void
  warning(message: string, place?: AnnotationPlace): void
  error(message: string, place?: AnnotationPlace): void
  notice(message: string, place?: AnnotationPlace): void
  /** Folds what `fn` logs under `name`. */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  /** Masks `secret` in every later log line. */
  setSecret(secret: string): void
}
