import { useRef, useState } from 'react'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { App, Button, Card, Input, Space } from 'antd'
import { api } from '../../api/client'
import { ApiError, errorMessage, unwrap } from '../../api/errors'
import { pretty } from '../../components/json'
import { JsonDocEditor, locateProblem, parseProblem, type JsonDocEditorHandle, type JsonProblem } from '../../components/JsonDocEditor'
import { ErrorResult } from '../../components/ErrorResult'
import { PageHeader } from '../../components/PageHeader'
import { PageSpin } from '../../components/PageSpin'

export default function RulesPage() {
  const qc = useQueryClient()
  const { message } = App.useApp()
  const rules = useQuery({ queryKey: ['rules'], queryFn: () => unwrap(api.GET('/api/rules')) })
  const [edited, setText] = useState<string | null>(null)
  const [note, setNote] = useState('')
  const [problems, setProblems] = useState<(JsonProblem & { line?: number; offset?: number })[]>([])
  const editor = useRef<JsonDocEditorHandle>(null)
  const text = edited ?? (rules.data ? pretty(rules.data.rules) : '')

  const save = useMutation({
    // The editor sends what was typed; the server checks it and names each bad path.
    mutationFn: (doc: unknown) => unwrap(api.PUT('/api/rules', { body: { rules: doc as never, note: note.trim() || undefined } })),
    onSuccess: (r) => {
      qc.setQueryData(['rules'], r)
      setText(null)
      setNote('')
    },
  })

  async function submit() {
    setProblems([])
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (e) {
      const p = parseProblem(text, e)
      setProblems([p])
      editor.current?.jump(p)
      return
    }
    try {
      const r = await save.mutateAsync(doc)
      message.success(`规则已保存为第 ${r.version} 版`)
    } catch (e) {
      const raw = e instanceof ApiError ? e.problems() : []
      const list: JsonProblem[] = raw.length
        ? raw
        : [{ message: errorMessage(e), path: e instanceof ApiError ? e.field : undefined }]
      const located = list.map((p) => locateProblem(text, p, ['rules']))
      setProblems(located)
      const first = located.find((p) => p.offset != null)
      if (first) editor.current?.jump(first)
    }
  }

  if (rules.isPending) return <PageSpin />
  if (rules.isError)
    return (
      <>
        <PageHeader title="诊断规则" />
        <ErrorResult error={rules.error} onRetry={() => rules.refetch()} />
      </>
    )

  return (
    <>
      <PageHeader
        title="诊断规则"
        sub={`当前第 ${rules.data.version} 版 · ${rules.data.created_at.replace('T', ' ').slice(0, 16)}。保存前会校验；每次保存生成新版本，历史诊断仍按当时的版本解释。`}
        extra={
          <>
            <Button
              onClick={() => {
                setText(null)
                setProblems([])
              }}
              disabled={edited == null}
            >
              撤销修改
            </Button>
            <Button type="primary" loading={save.isPending} onClick={submit}>
              校验并保存
            </Button>
          </>
        }
      />
      <Space.Compact style={{ width: '100%', marginBottom: 12 }}>
        <Input addonBefore="修改说明" placeholder="可选，如：税贷倍数下调" value={note} onChange={(e) => setNote(e.target.value)} maxLength={200} />
      </Space.Compact>
      <Card size="small" styles={{ body: { padding: 0 } }}>
        <JsonDocEditor ref={editor} label="规则 JSON" value={text} onChange={setText} problems={problems} title="规则未保存" />
      </Card>
    </>
  )
}
