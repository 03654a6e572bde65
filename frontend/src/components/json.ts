import { Input } from 'antd'

/** Edits a JSON value as text; the form keeps text, callers parse on submit. */
export function JsonText({ value, onChange, rows = 8, id }: { value?: string; onChange?: (v: string) => void; rows?: number; id?: string }) {
  return (
    <Input.TextArea
      id={id}
      value={value}
      onChange={(e) => onChange?.(e.target.value)}
      rows={rows}
      spellCheck={false}
      style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 12 }}
    />
  )
}

export const jsonRule = {
  validator: (_: unknown, v?: string) => {
    if (!v || !v.trim()) return Promise.resolve()
    try {
      JSON.parse(v)
      return Promise.resolve()
    } catch (e) {
      return Promise.reject(new Error(`JSON 格式错误：${(e as Error).message}`))
    }
  },
}

export const pretty = (v: unknown) => (v == null ? '' : JSON.stringify(v, null, 2))
