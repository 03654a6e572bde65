import { Button, Result } from 'antd'
import { ApiError, errorMessage } from '../api/errors'

export function ErrorResult({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const status = error instanceof ApiError ? error.status : 0
  return (
    <Result
      status={status === 404 ? '404' : status === 403 ? '403' : 'error'}
      title={status === 404 ? '未找到' : '加载失败'}
      subTitle={errorMessage(error)}
      extra={onRetry ? <Button onClick={onRetry}>重试</Button> : undefined}
    />
  )
}
