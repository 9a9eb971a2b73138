import { describe, expect, it } from 'vitest';
import { allTopics, streamOf, topicFor } from '../../../runtime/src/events/topics.js';

describe('event topics', () => {
  it.each([
    ['project.started', 'debug-host.lifecycle'],
    ['project.registered', 'debug-host.lifecycle'],
    ['tenant.created', 'debug-host.lifecycle'],
    ['usage.sample', 'debug-host.usage'],
    ['audit', 'debug-host.audit'],
    ['audit.login', 'debug-host.audit'],
    ['logs.cleared', 'debug-host.logs'],
    ['something.new', 'debug-host.lifecycle'],
  ])('%s goes to %s', (type, topic) => {
    expect(topicFor(type)).toBe(topic);
  });

  it('matches the topics the Kafka construct declares', () => {
    expect(allTopics()).toEqual(['debug-host.lifecycle', 'debug-host.usage', 'debug-host.audit', 'debug-host.logs', 'debug-host.scaling']);
    expect(topicFor('usage.sample', 'staging')).toBe('staging.usage');
    expect(streamOf('')).toBe('lifecycle');
    expect(topicFor('scaling.decision')).toBe('debug-host.scaling');
  });
});
