/**
 * Local stand-in for Step Functions task tokens: a waitForTaskToken state awaits a promise that
 * SendTaskSuccess/SendTaskFailure (called by the same runtime handlers as in the cloud) settles.
 */
import { randomUUID } from 'node:crypto';
import type { TaskTokens } from '../../shared/runtime/handlers/deps.js';
import { TaskTokenGoneError } from '../../shared/runtime/handlers/token-answers.js';

class TokenFailure extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class LocalTaskTokens implements TaskTokens {
  private readonly pending = new Map<string, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();

  /** A fresh token and the promise the waiting state awaits. */
  create(): { token: string; result: Promise<unknown> } {
    const token = `local-token-${randomUUID()}`;
    const result = new Promise<unknown>((resolve, reject) => this.pending.set(token, { resolve, reject }));
    return { token, result };
  }

  async sendSuccess(token: string, output: unknown): Promise<void> {
    const waiter = this.take(token);
    waiter.resolve(JSON.parse(JSON.stringify(output ?? null)) as unknown);
  }

  async sendFailure(token: string, error: string, cause: string): Promise<void> {
    this.take(token).reject(new TokenFailure(error, cause));
  }

  /**
   * The waiting state gave up on this token (its invoke failed and is retried with a new token, as Step
   * Functions does): later answers find nothing waiting.
   */
  discard(token: string): void {
    this.pending.delete(token);
  }

  /** Tokens still awaited (a run that ends with some means a task was never decided). */
  get waiting(): number {
    return this.pending.size;
  }

  private take(token: string) {
    const waiter = this.pending.get(token);
    // Step Functions answers a token it does not know, or one already answered, with these errors too.
    if (!waiter) throw new TaskTokenGoneError(token.startsWith('local-token-') ? 'TaskTimedOut' : 'InvalidToken', `task token ${token} is not (or no longer) awaited`);
    this.pending.delete(token);
    return waiter;
  }
}
