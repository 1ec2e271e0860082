/** Plain JSON values, as the OpenAPI document and the generated JSON Schemas are made of. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonSchema = { [k: string]: Json };
