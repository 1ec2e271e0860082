import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { initTheme } from './lib/theme.js';
import './styles/tokens.css';
import './styles/base.css';
import './styles/components-controls.css';
import './styles/components-feedback.css';
import './styles/components-surfaces.css';
import './styles/shared-screen.css';
import './styles/screen-login.css';
import './styles/screen-approvals.css';
import './styles/screen-activity.css';
import './styles/screen-policies.css';
import './styles/screen-agents.css';
import './styles/screen-mcp.css';
import './styles/screen-dashboard.css';
import './styles/screen-settings.css';

initTheme();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
