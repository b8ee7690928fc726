// Cutting text for display without splitting a UTF-16 surrogate pair (an emoji cut in half would
// become a lone surrogate: invalid in JSON consumers' UTF-8 and replaced by U+FFFD in files).

/** The first `max` UTF-16 units of `text`, one fewer when the cut would fall inside a surrogate pair. */
export function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
