/** Plain words for file errors, shared by everything that reads a file a technician provides. */

/** Why a file could not be read, from its Node error code (`ENOENT`, `EACCES`, ...), in plain words. */
export function readFailure(code: string | undefined): string {
  switch (code) {
    case "ENOENT":
      return "it does not exist";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    default:
      return code ?? "unreadable";
  }
}
