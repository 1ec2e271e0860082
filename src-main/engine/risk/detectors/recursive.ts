import type { TextDetector } from './types.js';

const FLAG = /(?:^|\s)(-[a-zA-Z]?[rR][a-zA-Z]?|--recursive)(?=$|\s)/;

/** SPEC 2.4 bulk: recursive flags (-r, -R, -rf, --recursive) in a command. */
export const recursiveFlag: TextDetector = {
  factor: 'bulk',
  detect(text) {
    if (!text.includes('-')) return null;
    const m = FLAG.exec(text);
    return m ? `recursive flag ${m[1] ?? ''}` : null;
  },
};
