/**
 * The JSON text of a `T`, as `JSON.stringify` made it: a value serialised where it was made (the
 * page thread) and sent as it is, still typed by what it holds.
 */
export type JsonText<T> = string & { readonly json: T };

export const toJsonText = <T>(value: T): JsonText<T> => JSON.stringify(value) as JsonText<T>;
