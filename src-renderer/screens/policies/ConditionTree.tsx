import type { ConditionNode } from './conditions.js';

/** A `when` tree in words: groups as nested lists headed "all of" / "any of" / "not". */
export function ConditionTree({ node }: { node: ConditionNode }) {
  switch (node.kind) {
    case 'everything':
      return <span className="cond-everything">every action</span>;
    case 'invalid':
      return <span className="field-error">{node.text}</span>;
    case 'field':
      return (
        <span className="cond-field">
          <code>{node.field}</code> <span className="muted">{node.op}</span>{' '}
          {node.value && <code className="cond-value">{node.value}</code>}
        </span>
      );
    case 'not':
      return (
        <div className="cond-group" data-op="not">
          <span className="cond-op">not</span>
          <ul>
            <li>
              <ConditionTree node={node.child} />
            </li>
          </ul>
        </div>
      );
    case 'group':
      return (
        <div className="cond-group" data-op={node.op}>
          <span className="cond-op">{node.op === 'all' ? 'all of' : 'any of'}</span>
          {node.children.length === 0 ? (
            <span className="muted"> {node.op === 'all' ? '(nothing: every action)' : '(nothing: no action)'}</span>
          ) : (
            <ul>
              {node.children.map((c, i) => (
                <li key={i}>
                  <ConditionTree node={c} />
                </li>
              ))}
            </ul>
          )}
        </div>
      );
  }
}
