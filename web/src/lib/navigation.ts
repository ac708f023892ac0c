/** Where to go after signing in: only paths of this site (`next` comes from the URL and must not send the user elsewhere). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\') || next.startsWith('/login')) return '/dags';
  return next;
}
