import { useRef, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Alert, App, Button, Card, Input, Space, Typography } from 'antd'
import type { TextAreaRef } from 'antd/es/input/TextArea'
import { api } from '../../api/client'
import { ApiError, errorMessage, unwrap } from '../../api/errors'
import { pretty } from '../../components/JsonField'
import { ErrorResult } from '../../components/ErrorResult'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'
import { locateNearest } from './jsonPath'

interface Problem {
  message: string
  path?: string
  line?: number
  offset?: number
}

/** Where an API error path points in the editor text ("rules." prefix of the request body tolerated). */
function locate(text: string, path: string): Pick<Problem, 'line' | 'offset'> {
  const candidates = [path, path.replace(/^rules\.?/, '')]
  let best: ReturnType<typeof locateNearest> = null
  for (const c of candidates) {
    const hit = locateNearest(text, c)
    if (hit && (!best || (hit.exact && !best.exact))) best = hit
  }
  return best ? { line: best.line, offset: best.offset } : {}
}

export default function RulesPage() {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const rules = useQuery({ queryKey: ['rules'], queryFn: () => unwrap(api.GET('/api/rules')) })
  const [edited, setText] = useState<string | null>(null)
  const text = edited ?? (rules.data ? pretty(rules.data.rules) : '')
  const [problem, setProblem] = useState<Problem | null>(null)
  const ref = useRef<TextAreaRef>(null)

  const save = useMutation({
    mutationFn: (doc: unknown) => unwrap(api.PUT('/api/rules', { body: { rules: doc as never } })),
    onSuccess: (r) => {
      qc.setQueryData(['rules'], r)
      setText(null)
    },
  })

  function jump(p: Problem) {
    const el = ref.current?.resizableTextArea?.textArea
    if (!el || p.offset == null) return
    el.focus()
    const end = text.indexOf('\n', p.offset)
    el.setSelectionRange(p.offset, end < 0 ? text.length : end)
    const lineHeight = parseFloat(getComputedStyle(el).lineHeight) || 18
    el.scrollTop = Math.max(0, ((p.line ?? 1) - 4) * lineHeight)
  }

  async function submit() {
    setProblem(null)
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message)
      const offset = m ? Number(m[1]) : undefined
      const p = { message: `JSON 格式错误：${(e as Error).message}`, offset, line: offset != null ? text.slice(0, offset).split('\n').length : undefined }
      setProblem(p)
      jump(p)
      return
    }
    try {
      const r = await save.mutateAsync(doc)
      message.success(`规则已保存为第 ${r.version} 版`)
    } catch (e) {
      const p: Problem = { message: errorMessage(e) }
      if (e instanceof ApiError && e.field) {
        p.path = e.field
        Object.assign(p, locate(text, e.field))
      }
      setProblem(p)
      jump(p)
    }
  }

  if (rules.isPending) return <PageSpin />
  if (rules.isError) return <ErrorResult error={rules.error} onRetry={() => rules.refetch()} />
  const lines = text.split('\n')

  return (
    <>
      <PageHeader
        title="诊断规则"
        sub={`当前第 ${rules.data.version} 版${rules.data.updated_at ? ` · 更新于 ${rules.data.updated_at.replace('T', ' ').slice(0, 16)}` : ''}。保存前会校验；每次保存生成新版本，历史诊断仍按当时的版本解释。`}
        extra={
          <>
            <Button onClick={() => setText(null)}>撤销修改</Button>
            <Button type="primary" loading={save.isPending} onClick={submit}>
              校验并保存
            </Button>
          </>
        }
      />
      {problem && (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 12 }}
          message={problem.message}
          description={
            (problem.path || problem.line) && (
              <Space direction="vertical" size={2}>
                {problem.path && (
                  <span>
                    位置：<Typography.Text code>{problem.path}</Typography.Text>
                    {problem.line && `（第 ${problem.line} 行）`}
                  </span>
                )}
                {problem.line && <Typography.Text code>{lines[problem.line - 1]?.trim()}</Typography.Text>}
                {problem.offset != null && (
                  <Button size="small" onClick={() => jump(problem)}>
                    定位到出错位置
                  </Button>
                )}
              </Space>
            )
          }
        />
      )}
      <Card size="small" styles={{ body: { padding: 0 } }}>
        <Input.TextArea
          ref={ref}
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoSize={{ minRows: 20, maxRows: 40 }}
          spellCheck={false}
          aria-label="规则 JSON"
          style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 12, border: 0 }}
        />
      </Card>
    </>
  )
}
