/** Loading, empty and error states, worded for people. */
import type { ReactNode } from 'react';
import { errorMessage } from '../api/client';

export function Loading({ what }: { what: string }) {
  return (
    <div className="status" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function ErrorBox({ error, title }: { error: unknown; title?: string }) {
  return (
    <div className="callout error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      <span className="pre-line">{errorMessage(error)}</span>
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}
