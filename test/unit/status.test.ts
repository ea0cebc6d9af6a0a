import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { summarise } from '../../src/domain/status.ts';
import { nextStatus } from '../../src/app/record-outcome.ts';

describe("a message's status", () => {
  const cases: [string[], string][] = [
    [['queued'], 'queued'],
    [['sent', 'queued'], 'queued'],
    [['sent', 'deferred', 'queued'], 'deferred'],
    [['sent', 'sent'], 'sent'],
    [['delivered', 'delivered'], 'delivered'],
    [['delivered', 'sent'], 'sent'],
    [['sent', 'bounced'], 'bounced'],
    [['suppressed', 'sent'], 'suppressed'],
    [['complained', 'bounced'], 'bounced'],
  ];
  for (const [recipients, expected] of cases) {
    it(`is ${expected} when its recipients are ${recipients.join(', ')}`, () => {
      assert.equal(summarise(recipients as never), expected);
    });
  }
});

describe('status transitions', () => {
  it('let a bounce follow an acceptance or a delivery, but never leave bounced', () => {
    assert.equal(nextStatus('sent', 'bounced'), 'bounced');
    assert.equal(nextStatus('delivered', 'bounced'), 'bounced');
    assert.equal(nextStatus('bounced', 'bounced'), null);
    assert.equal(nextStatus('bounced', 'sent'), null);
    assert.equal(nextStatus('bounced', 'delivered'), null);
  });
  it('record an auto-reply as an event without changing the status', () => {
    assert.equal(nextStatus('sent', 'autoreply'), null);
  });
});
