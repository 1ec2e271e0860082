import { Hono } from 'hono';
import { z } from 'zod';
import { PolicyTestRequestSchema, SimulateRequestSchema } from '../../../src-shared/index.js';
import type { Gatehouse } from '../../app/gatehouse.js';
import { simulate, testAction } from '../../services/policy-lab.js';
import { parseJsonText, readJson, readQuery, readText } from '../body.js';
import type { AppEnv } from '../env.js';
import { GatehouseError } from '../../core/errors.js';
import { requireScope } from '../middleware/auth.js';

const ExportQuery = z.object({ format: z.enum(['yaml', 'json']).default('yaml') }).strict();

/** SPEC 3 / 5: policy CRUD, test with a trace, simulate against history, import/export. Admin only. */
export function policyRoutes(g: Gatehouse) {
  const r = new Hono<AppEnv>();
  r.use('/api/v1/policies', requireScope('admin'));
  r.use('/api/v1/policies/*', requireScope('admin'));

  r.get('/api/v1/policies', (c) => c.json({ items: g.policies.list(), next_cursor: null }));
  r.post('/api/v1/policies', async (c) =>
    c.json(await g.policies.create(g.policies.parse(await readJson(c, z.record(z.string(), z.unknown())))), 201),
  );

  r.post('/api/v1/policies/test', async (c) => c.json(testAction(g, await readJson(c, PolicyTestRequestSchema))));
  r.post('/api/v1/policies/simulate', async (c) => c.json(simulate(g, await readJson(c, SimulateRequestSchema))));

  r.get('/api/v1/policies/export', (c) => {
    const { format } = readQuery(c, ExportQuery);
    const text = g.policies.exportText(format);
    c.header('Content-Disposition', `attachment; filename="policies.${format}"`);
    return c.body(text, 200, { 'Content-Type': format === 'yaml' ? 'application/yaml; charset=utf-8' : 'application/json; charset=utf-8' });
  });
  r.post('/api/v1/policies/import', async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const allowed = ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'];
    if (!allowed.includes(type)) throw new GatehouseError('unsupported_media_type', `Content-Type must be one of ${allowed.join(', ')}`);
    const text = await readText(c);
    // A JSON body may wrap the file as {"content": "..."} (the console's upload) or be the file itself.
    let fileText = text;
    if (type === 'application/json') {
      const v = parseJsonText(text);
      if (v && typeof v === 'object' && 'content' in v && typeof (v as { content: unknown }).content === 'string')
        fileText = (v as { content: string }).content;
    }
    return c.json(await g.policies.importText(fileText));
  });

  r.get('/api/v1/policies/:id', (c) => c.json(g.policies.get(c.req.param('id'))));
  r.put('/api/v1/policies/:id', async (c) =>
    c.json(await g.policies.update(c.req.param('id'), await readJson(c, z.record(z.string(), z.unknown())))),
  );
  r.delete('/api/v1/policies/:id', async (c) => {
    await g.policies.remove(c.req.param('id'));
    return c.json({ deleted: c.req.param('id') });
  });
  return r;
}
