// Inline SVG icons (decorative: aria-hidden). Emoji are avoided because not every system has an emoji font.
import type { ComponentChildren } from 'preact';

function Icon({ children, size = 40 }: { children: ComponentChildren; size?: number }) {
  return (
    <svg class="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      {children}
    </svg>
  );
}

export function HouseIcon({ size }: { size?: number }) {
  return (
    <Icon size={size}>
      <path d="M3 11.5 12 4l9 7.5" />
      <path d="M5.5 9.5V20h13V9.5" />
      <path d="M10 20v-5.5h4V20" />
    </Icon>
  );
}

export function HammerIcon({ size }: { size?: number }) {
  return (
    <Icon size={size}>
      <path d="m14 6 4 4" />
      <path d="M11.5 8.5 4 16a1.8 1.8 0 0 0 2.5 2.5L14 11" />
      <path d="M12 4.5 14.5 2l6 6-2.5 2.5z" />
    </Icon>
  );
}

export function SearchIcon({ size }: { size?: number }) {
  return (
    <Icon size={size}>
      <circle cx="11" cy="11" r="6.5" />
      <path d="m20 20-4.2-4.2" />
    </Icon>
  );
}
