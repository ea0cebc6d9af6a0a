import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { verdictForReply } from '../../src/bounce/index.ts';

describe('the verdict for a reply the next hop gave directly', () => {
  it('reads a mailbox-full RCPT rejection as a soft mailboxfull, even with a 5xx', () => {
    const v = verdictForReply({ address: 'g@example.net', action: 'failed', replyCode: '552', status: '5.2.2', text: '552 5.2.2 <g@example.net>: Mailbox full', remoteMta: 'mx.example.net', command: 'RCPT TO' });
    assert.equal(v.reason, 'mailboxfull');
    assert.equal(v.hardBounce, false);
    assert.equal(v.diagnosticCode, '552 5.2.2 <g@example.net>: Mailbox full');
    assert.equal(v.decodedBy, 'smtp-reply');
  });
  it('reads an unknown user at RCPT as a hard userunknown', () => {
    const v = verdictForReply({ address: 'g@example.net', action: 'failed', replyCode: '550', status: '5.1.1', text: '550 5.1.1 <g@example.net>: Recipient address rejected: User unknown in virtual mailbox table', remoteMta: null, command: 'RCPT TO' });
    assert.equal(v.reason, 'userunknown');
    assert.equal(v.hardBounce, true);
  });
});
