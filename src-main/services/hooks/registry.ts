import { claudeCode } from './agents/claude-code.js';
import { cline } from './agents/cline.js';
import { codex } from './agents/codex.js';
import { copilot } from './agents/copilot.js';
import { cursor } from './agents/cursor.js';
import { gemini } from './agents/gemini.js';
import { windsurf } from './agents/windsurf.js';
import type { HookAdapter, HookAgent } from './types.js';

export const ADAPTERS: Record<HookAgent, HookAdapter> = {
  'claude-code': claudeCode,
  codex,
  gemini,
  cursor,
  copilot,
  windsurf,
  cline,
};

export const adapterOf = (agent: HookAgent): HookAdapter => ADAPTERS[agent];
