import { Header } from '../../components/Header.js';
import { Tabs, tabPanelProps } from '../../components/Tabs.js';
import { useStore } from '../../store/index.js';
import { ConsolePanel } from './ConsolePanel.js';
import { GeneralPanel } from './GeneralPanel.js';
import { IntegrationsPanel } from './IntegrationsPanel.js';
import { KeysPanel } from './KeysPanel.js';
import { WebhooksPanel } from './WebhooksPanel.js';
import { AuditPanel } from './AuditPanel.js';
import { SinksPanel } from './SinksPanel.js';

type Tab = 'general' | 'console' | 'keys' | 'webhooks' | 'sinks' | 'audit' | 'integrations';
const TABS: { id: Tab; label: string }[] = [
  { id: 'general', label: 'Decisions' },
  { id: 'console', label: 'Approvals & appearance' },
  { id: 'keys', label: 'API keys' },
  { id: 'webhooks', label: 'Webhooks' },
  { id: 'sinks', label: 'Sinks' },
  { id: 'audit', label: 'Audit log' },
  { id: 'integrations', label: 'Integrations' },
];

export function SettingsScreen() {
  const search = useStore((s) => s.search);
  const navigate = useStore((s) => s.navigate);
  const raw = new URLSearchParams(search).get('tab');
  const tab: Tab = TABS.some((t) => t.id === raw) ? (raw as Tab) : 'general';
  return (
    <>
      <Header title="Settings" subtitle="Stored locally; every change is recorded in the audit log" />
      <div className="content">
        <div className="page settings-page">
          <Tabs
            idPrefix="settings"
            tabs={TABS}
            value={tab}
            onChange={(t) => navigate(t === 'general' ? '/settings' : `/settings?tab=${t}`, { replace: true })}
          />
          <div {...tabPanelProps('settings', tab)}>
            {tab === 'general' && <GeneralPanel />}
            {tab === 'console' && <ConsolePanel />}
            {tab === 'keys' && <KeysPanel />}
            {tab === 'webhooks' && <WebhooksPanel />}
            {tab === 'sinks' && <SinksPanel />}
            {tab === 'audit' && <AuditPanel />}
            {tab === 'integrations' && <IntegrationsPanel />}
          </div>
        </div>
      </div>
    </>
  );
}
