// The small menus opened from a button (Log, Snooze: a .menu holding the button and, while open,
// its .menu-popover) give the focus back to that button when they close from the keyboard.

/** The button that opens `menu` (`aria-haspopup`). */
export function menuButton(menu: HTMLElement | null): HTMLButtonElement | null {
  return menu?.querySelector<HTMLButtonElement>('button[aria-haspopup]') ?? null;
}

/** The focus is inside `menu`'s open popover (and would go with it). */
export function focusInMenu(menu: HTMLElement | null): boolean {
  return Boolean(menu?.querySelector('.menu-popover')?.contains(document.activeElement));
}

/**
 * When the focus is inside `menu`'s open popover, puts it on the button that opened it, so Escape
 * leaves a keyboard user where the menu was rather than at the top of the page.
 */
export function focusMenuButton(menu: HTMLElement | null): void {
  if (focusInMenu(menu)) menuButton(menu)?.focus();
}
