/**
 * A risk detector over one string (a parameter value, the resource). Returns a short human detail
 * of what it found ("DELETE without WHERE"), never the matched secret itself, or `null`.
 * Detectors start with a cheap pre-check so that ordinary strings cost one test.
 */
export interface TextDetector {
  readonly factor: 'destructive-sql' | 'dangerous-shell' | 'sensitive-path' | 'secrets' | 'bulk';
  detect(text: string): string | null;
}
