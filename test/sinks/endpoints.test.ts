import { describe, expect, it } from 'vitest';
import { endpointUrl, hecEndpoint } from '../../src-main/services/sinks/transports.js';

describe('sink endpoints (SPEC 7.8)', () => {
  it('HEC events go to /services/collector/event whether the URL names the server, the collector or the endpoint', () => {
    expect(hecEndpoint('https://splunk.example.com:8088')).toBe('https://splunk.example.com:8088/services/collector/event');
    expect(hecEndpoint('https://splunk.example.com:8088/')).toBe('https://splunk.example.com:8088/services/collector/event');
    // The form Splunk's docs and most configs use for the collector:
    expect(hecEndpoint('https://splunk.example.com:8088/services/collector')).toBe(
      'https://splunk.example.com:8088/services/collector/event',
    );
    expect(hecEndpoint('https://splunk.example.com:8088/services/collector/')).toBe(
      'https://splunk.example.com:8088/services/collector/event',
    );
    expect(hecEndpoint('https://splunk.example.com:8088/services/collector/event')).toBe(
      'https://splunk.example.com:8088/services/collector/event',
    );
    // Behind a path prefix (a proxy):
    expect(hecEndpoint('https://gw.example.com/splunk/services/collector')).toBe('https://gw.example.com/splunk/services/collector/event');
    expect(hecEndpoint('https://gw.example.com/splunk')).toBe('https://gw.example.com/splunk/services/collector/event');
  });

  it('OTLP logs go to /v1/logs', () => {
    expect(endpointUrl('http://otel:4318', '/v1/logs')).toBe('http://otel:4318/v1/logs');
    expect(endpointUrl('http://otel:4318/v1/logs', '/v1/logs')).toBe('http://otel:4318/v1/logs');
  });
});
