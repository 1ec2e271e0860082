import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { checkLayers, importsOf } from '../../scripts/check-layers.mjs';

type Violation = { file: string; target: string; why: string };
const check = (files: Record<string, string>): Violation[] => checkLayers(new Map(Object.entries(files))) as Violation[];

describe('the layering check of npm test', () => {
  it('finds static, type-only, re-export and dynamic imports', () => {
    const text = [
      "import { a } from '../x.js';",
      "import type { B } from './y.js';",
      "export { c } from '../../z.js';",
      "const m = await import('../lazy.js');",
      "import 'node:fs';",
      "import { z } from 'zod';",
    ].join('\n');
    expect(importsOf(text)).toEqual(['../x.js', './y.js', '../../z.js', '../lazy.js']);
  });

  it('accepts imports that point down or stay in their layer', () => {
    expect(
      check({
        'src-main/http/app.ts': "import type { Gatehouse } from '../app/gatehouse.js';\nimport { x } from './errors.js';",
        'src-main/services/actions.ts':
          "import { GatehouseError } from '../core/errors.js';\nimport type { EventBus } from '../events/bus.js';",
        'src-main/engine/index.ts': "import type { Policy } from '../../src-shared/index.js';",
      }),
    ).toEqual([]);
  });

  it('catches a service importing the HTTP layer (the 0.1 arrow that pointed up)', () => {
    const v = check({ 'src-main/services/keys.ts': "import type { Principal } from '../http/env.js';" });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ file: 'src-main/services/keys.ts', target: 'src-main/http/env.js' });
  });

  it('catches the engine reaching outside src-shared, and the console reaching into the core', () => {
    expect(check({ 'src-main/engine/policy/x.ts': "import { newId } from '../../core/ids.js';" })).toHaveLength(1);
    expect(check({ 'src-renderer/App.tsx': "import { redact } from '../src-main/services/redact.js';" })).toHaveLength(1);
    expect(check({ 'src-shared/client.ts': "import { x } from '../src-main/core/ids.js';" })).toHaveLength(1);
  });

  it('catches the composition root importing the HTTP layer', () => {
    expect(check({ 'src-main/app/gatehouse.ts': "import { createApp } from '../http/app.js';" })).toHaveLength(1);
  });
});
