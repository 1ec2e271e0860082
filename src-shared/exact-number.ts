/**
 * What a double would silently change in a number written as `text` (a JSON number token, or a YAML
 * scalar written the same way), or null when it holds it as written (SPEC 5: nothing a client sends
 * is silently changed). `advice` ends the message: how to send the value instead.
 */
export function numberProblem(text: string, advice = 'send it as a string'): string | null {
  const value = Number(text);
  const token = clip(text);
  if (!Number.isFinite(value)) return `number ${token} is too large for a double (it would become ${value > 0 ? '' : '-'}Infinity)`;
  const wholeForm = !/[.eE]/.test(text);
  // SPEC 5: integers beyond ±2^53 are refused; ±2^53 itself is held exactly (read off the text: the
  // double of …993 is …992 too).
  if (wholeForm && integerBeyondTwoPow53(text, value))
    return `integer ${token} is beyond ±2^53${decimalOf(text) === decimalOf(String(value)) ? ', where a double no longer holds every integer' : ' and would be rounded'}; ${advice}`;
  // Written with a fraction or an exponent: beyond ±(2^53 − 1) a double holds whole numbers only, and
  // not all of them (9007199254740993.0 becomes …992). Refused where the value would change; 1e20
  // and 1.5e300 are held as written.
  if (!wholeForm && Math.abs(value) > Number.MAX_SAFE_INTEGER && decimalOf(text) !== decimalOf(String(value)))
    return `number ${token} is beyond ±(2^53 − 1) and would be rounded to ${value}; ${advice}`;
  if (value === 0 && /[1-9]/.test(text.split(/[eE]/)[0] ?? '')) return `number ${token} is too small for a double (it would become 0)`;
  return null;
}

/**
 * Why a JSON number token does not read back as written, or null when it does: the double it parses
 * to, written in its shortest form (as JSON.stringify and JCS write it), has the token's exact
 * decimal value. Looser than numberProblem (Gatehouse's own `123456789012345680000` passes), it is
 * what a record's line must meet for its hash to cover the number it shows.
 */
export function inexactNumberProblem(text: string): string | null {
  const value = Number(text);
  if (!Number.isFinite(value)) return `number ${clip(text)} is beyond a double's range`;
  if (decimalOf(text) !== decimalOf(String(value))) return `number ${clip(text)} reads as ${value}: a double does not hold it as written`;
  return null;
}

/** A number's exact decimal value as `<sign><digits>e<exponent>`, without leading or trailing zeros (JSON or `Number#toString` form). */
function decimalOf(text: string): string {
  const m = /^([-+]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return text;
  const fraction = m[3] ?? '';
  let digits = (m[2]! + fraction).replace(/^0+/, '');
  let exponent = Number(m[4] ?? 0) - fraction.length;
  const zeros = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - zeros);
  exponent += zeros;
  return digits ? `${m[1] === '-' ? '-' : ''}${digits}e${exponent}` : '0';
}

const TWO_POW_53 = 2n ** 53n;

/**
 * Is the whole number written as `text` (decimal digits with an optional sign, or YAML's 0x / 0o
 * forms), whose double is `value`, beyond ±2^53? Judged on the text: …993 and …992 share a double.
 */
export function integerBeyondTwoPow53(text: string, value: number): boolean {
  if (Number.isSafeInteger(value)) return false;
  try {
    const n = BigInt(text);
    return n > TWO_POW_53 || n < -TWO_POW_53;
  } catch {
    return true;
  }
}

function clip(token: string): string {
  return token.length > 40 ? `${token.slice(0, 39)}…` : token;
}
