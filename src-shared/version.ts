/** Product and API version, shared by the server, the CLI, the SDKs and the console. */
export const VERSION = '0.2.0';
export const API_VERSION = 'v1';
