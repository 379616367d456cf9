// Vite handles these imports at build time; tell TypeScript they exist.
declare module '*.css';
