import { forwardRef, useImperativeHandle, useRef } from 'react'
import { Alert, Button, Input, List, Typography } from 'antd'
import type { TextAreaRef } from 'antd/es/input/TextArea'
import { locateNearest } from './jsonPath'

export interface JsonProblem {
  /** Where in the document, e.g. "weights.flow" or "rules[3].reason"; absent for whole-document errors. */
  path?: string
  message: string
}

interface Located extends JsonProblem {
  line?: number
  offset?: number
}

/** Resolves a problem path to a position in the text; a request-body prefix (e.g. "rules.") is tolerated. */
export function locateProblem(text: string, p: JsonProblem, prefixes: string[] = []): Located {
  if (p.path == null) return p
  let best: ReturnType<typeof locateNearest> = null
  for (const candidate of [p.path, ...prefixes.map((pre) => p.path!.replace(new RegExp(`^${pre}\\.?`), ''))]) {
    const hit = locateNearest(text, candidate)
    if (hit && (!best || (hit.exact && !best.exact))) best = hit
  }
  return best ? { ...p, line: best.line, offset: best.offset } : p
}

/** Turns a JSON.parse failure into a located problem. */
export function parseProblem(text: string, e: unknown): Located {
  const msg = (e as Error).message
  const m = /position (\d+)/.exec(msg)
  const offset = m ? Number(m[1]) : undefined
  return {
    message: `JSON 格式错误：${msg}`,
    offset,
    line: offset != null ? text.slice(0, offset).split('\n').length : undefined,
  }
}

export interface JsonDocEditorHandle {
  jump: (p: Located) => void
}

/** A monospace JSON editor that lists validation problems with their path and line, and jumps to them. */
export const JsonDocEditor = forwardRef<
  JsonDocEditorHandle,
  { value: string; onChange: (v: string) => void; problems: Located[]; title?: string; minRows?: number; label: string }
>(function JsonDocEditor({ value, onChange, problems, title = '保存失败', minRows = 20, label }, handle) {
  const ref = useRef<TextAreaRef>(null)
  const lines = value.split('\n')

  function jump(p: Located) {
    const el = ref.current?.resizableTextArea?.textArea
    if (!el || p.offset == null) return
    el.focus()
    const end = value.indexOf('\n', p.offset)
    el.setSelectionRange(p.offset, end < 0 ? value.length : end)
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18
    el.scrollTop = Math.max(0, ((p.line ?? 1) - 4) * lineHeight)
  }
  useImperativeHandle(handle, () => ({ jump }))

  return (
    <>
      {problems.length > 0 && (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 12 }}
          message={problems.length === 1 ? title : `${title}：共 ${problems.length} 处问题`}
          description={
            <List
              size="small"
              dataSource={problems}
              renderItem={(p) => (
                <List.Item
                  style={{ paddingInline: 0 }}
                  actions={
                    p.offset != null
                      ? [
                          <Button key="go" size="small" onClick={() => jump(p)}>
                            定位
                          </Button>,
                        ]
                      : undefined
                  }
                >
                  <div data-testid="json-problem">
                    <div>{p.message}</div>
                    {(p.path || p.line) && (
                      <Typography.Text type="secondary">
                        {p.path && (
                          <>
                            位置 <Typography.Text code>{p.path}</Typography.Text>
                          </>
                        )}
                        {p.line && `（第 ${p.line} 行：`}
                        {p.line && <Typography.Text code>{lines[p.line - 1]?.trim().slice(0, 80)}</Typography.Text>}
                        {p.line && '）'}
                      </Typography.Text>
                    )}
                  </div>
                </List.Item>
              )}
            />
          }
        />
      )}
      <Input.TextArea
        ref={ref}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoSize={{ minRows, maxRows: 40 }}
        spellCheck={false}
        aria-label={label}
        style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 12 }}
      />
    </>
  )
})
