import type { Gatehouse } from '../../app/gatehouse.js';
import { GatehouseError } from '../../core/errors.js';
import { simulate, testAction } from '../../services/policy-lab.js';
import { parseJsonText } from '../../core/json-body.js';
import { bodyMediaType, readText } from '../body.js';
import type { Handlers } from '../endpoints.js';

const IMPORT_TYPES = ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];

/** SPEC 3 / 5: policy CRUD, test with a trace, simulate against history, import/export. Admin only. */
export function policyHandlers(g: Gatehouse) {
  return {
    listPolicies: () => ({ items: g.policies.list(), next_cursor: null }),
    // A body without `effect` is the seeds' Terraform / MCP form (SPEC 3.4), mapped as /mcp/policies and import map it.
    createPolicy: (_c, { body }) => ('effect' in body ? g.policies.create(body) : g.policies.createSeed(body)),
    testPolicy: (_c, { body }) => testAction(g, body),
    simulate: (_c, { body }) => simulate(g, body),
    exportPolicies: (c, { query }) => {
      const text = g.policies.exportText(query.format);
      c.header('Content-Disposition', `attachment; filename="policies.${query.format}"`);
      return c.body(text, 200, {
        'Content-Type': query.format === 'yaml' ? 'application/yaml; charset=utf-8' : 'application/json; charset=utf-8',
      });
    },
    importPolicies: async (c) => {
      const type = bodyMediaType(c);
      if (!IMPORT_TYPES.includes(type))
        throw new GatehouseError('unsupported_media_type', `Content-Type must be one of ${IMPORT_TYPES.join(', ')}`);
      const text = await readText(c);
      // A JSON body may wrap the file as {"content": "..."} (the console's upload) or be the file itself.
      let fileText = text;
      if (type === 'application/json') {
        const v = parseJsonText(text);
        if (v && typeof v === 'object' && 'content' in v && typeof (v as { content: unknown }).content === 'string')
          fileText = (v as { content: string }).content;
      }
      return g.policies.importText(fileText);
    },
    getPolicy: (_c, { params }) => g.policies.get(params.id!),
    updatePolicy: (_c, { body, params }) =>
      'effect' in body ? g.policies.update(params.id!, body) : g.policies.updateFromSeed(params.id!, body),
    deletePolicy: async (_c, { params }) => {
      await g.policies.remove(params.id!);
      return { deleted: params.id! };
    },
  } satisfies Partial<Handlers>;
}
