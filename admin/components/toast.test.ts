import { afterEach, describe, expect, it } from 'vitest';
import { currentToasts, dismissToast, showToast } from './toast.tsx';

afterEach(() => {
  for (const t of currentToasts()) dismissToast(t.id);
});

describe('toasts', () => {
  it('shows the same notice once, however many times it is raised together', () => {
    for (let i = 0; i < 3; i++) showToast('Your session has ended. Log in to continue.', 'info', 0);
    expect(currentToasts().map((t) => t.message)).toEqual(['Your session has ended. Log in to continue.']);
  });

  it('keeps different notices, and the same words in another tone, side by side', () => {
    showToast('Saved.', 'success', 0);
    showToast('Rescore finished', 'success', 0);
    showToast('Saved.', 'error', 0);
    expect(currentToasts().map((t) => `${t.tone}: ${t.message}`)).toEqual(['success: Saved.', 'success: Rescore finished', 'error: Saved.']);
  });
});
