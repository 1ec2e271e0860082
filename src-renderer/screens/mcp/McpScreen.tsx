export function McpScreen() { return null; }
