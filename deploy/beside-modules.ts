/**
 * Folders the code reads files from beside its modules (`import.meta.url`): the built-in profiles and
 * the local web page's files. Whatever runs compiled code (the bundle of `npm run build`, the bench's
 * tsc-compiled children) copies them to the same place under its output folder.
 */
export const besideModules: ReadonlyArray<readonly string[]> = [
  ["protocols", "profiles", "builtin"],
  ["gateway", "web", "assets"],
];
