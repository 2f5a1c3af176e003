/**
 * A field of a stored record that could not be decoded (garbage written by hand, a bad restore,
 * a bug): the store hands the record back with a stand-in value for the field and names it here,
 * so that one damaged record never stops a node or a listing. The runtime quarantines such a
 * record: a job is dead-lettered with `CorruptRecordError`, a schedule is paused.
 */
export interface UnreadableField {
  /** The record's field as the API names it (`data`, `trigger`, `attempts`, …). */
  field: string;
  /** Why it could not be read (the parser's or the shape check's message). */
  reason: string;
}
