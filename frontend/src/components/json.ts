/** Pretty-printed JSON for display and editing ('' for null/undefined). */
export const pretty = (v: unknown) => (v == null ? '' : JSON.stringify(v, null, 2))
