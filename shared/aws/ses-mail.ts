/**
 * Alert emails (email_on_failure / email_on_retry) and EmailOperator messages in AWS: SESv2
 * SendEmail with the raw MIME message local mode writes to its outbox (renderMailMessage, without
 * the Bcc header), every recipient — To, Cc and Bcc — given as a destination, sent from the
 * message's sender (the deployment's SKYDAG_MAIL_FROM unless the task names another). The stack
 * lets the functions send only from the configured SES identity.
 */
import { randomBytes } from 'node:crypto';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { renderMailMessage, type MailTransport } from '../runtime/executors/email.js';

export interface SesMailOptions {
  now?: () => Date;
  id?: () => string;
}

export function createSesMailTransport(client: Pick<SESv2Client, 'send'>, options: SesMailOptions = {}): MailTransport {
  const now = options.now ?? (() => new Date());
  const id = options.id ?? (() => randomBytes(8).toString('hex'));
  return {
    async send(message) {
      const raw = renderMailMessage(message, { date: now(), unique: id(), includeBcc: false });
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: message.from,
          Destination: {
            ToAddresses: message.to,
            ...(message.cc.length ? { CcAddresses: message.cc } : {}),
            ...(message.bcc.length ? { BccAddresses: message.bcc } : {}),
          },
          Content: { Raw: { Data: Buffer.from(raw, 'utf8') } },
        }),
      );
    },
  };
}
