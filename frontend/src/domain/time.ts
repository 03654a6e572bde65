const pad = (n: number) => String(n).padStart(2, '0')

/** `2026-12-02 21:54` in the viewer's local time (the API sends UTC, RFC 3339). */
export function dateTimeText(t?: string | null): string {
  if (!t) return '—'
  const d = new Date(t)
  if (Number.isNaN(d.getTime())) return '—'
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** `2026-12-02`, local time. */
export function dateText(t?: string | null): string {
  return dateTimeText(t).slice(0, 10)
}
