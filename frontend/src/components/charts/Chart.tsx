import ReactEChartsCore from 'echarts-for-react/esm/core'
import type { EChartsCoreOption } from 'echarts/core'
import { echarts } from './echarts'

export function Chart({ option, height = 300, testId }: { option: EChartsCoreOption; height?: number; testId?: string }) {
  return (
    <div data-testid={testId}>
      <ReactEChartsCore echarts={echarts} option={option} style={{ height, width: '100%' }} opts={{ renderer: 'svg' }} notMerge />
    </div>
  )
}
