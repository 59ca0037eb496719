/** The app's root: restore the session from its cookie, then sign-in or the workspace. */
import { useEffect } from 'react';
import { session } from '../auth/session.ts';
import { useSession } from './hooks.ts';
import { SignIn } from './SignIn.tsx';
import { Workspace } from './Workspace.tsx';

export function App() {
  const state = useSession();
  useEffect(() => {
    void session.restore();
  }, []);
  if (state.status === 'restoring') return <p className="boot" role="status">Loading…</p>;
  // Signed out (or the session ended): the form shows at the same URL, so signing in returns there.
  if (state.status === 'signed-out') return <SignIn message={state.message} />;
  return <Workspace key={state.user.id} user={state.user} temporalUi={state.temporalUi} />;
}
