// The MIME composition thread (see composer.ts). Plain JavaScript: it needs no TypeScript loader, and
// it only turns MailComposer options (plain data) into the message's bytes.
import { parentPort } from 'node:worker_threads';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

parentPort.on('message', ({ id, options }) => {
  new MailComposer(options).compile().build((err, raw) => {
    if (err) parentPort.postMessage({ id, error: err.message });
    else parentPort.postMessage({ id, raw });
  });
});
