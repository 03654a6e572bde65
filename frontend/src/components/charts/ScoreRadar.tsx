import { DIMENSIONS } from '../../domain/labels'
import { Chart } from './Chart'

export type Scores = Record<(typeof DIMENSIONS)[number]['key'], number>

export function ScoreRadar({
  scores,
  compare,
  color = '#1677ff',
  compareColor = '#faad14',
  height = 300,
  animation = true,
}: {
  scores: Scores
  compare?: Scores
  color?: string
  compareColor?: string
  height?: number
  animation?: boolean
}) {
  const series = [
    { value: DIMENSIONS.map((d) => Math.round(scores[d.key] ?? 0)), name: compare ? '调整后' : '得分', itemStyle: { color }, areaStyle: { opacity: 0.2 } },
  ]
  if (compare) {
    series.unshift({
      value: DIMENSIONS.map((d) => Math.round(compare[d.key] ?? 0)),
      name: '当前',
      itemStyle: { color: compareColor },
      areaStyle: { opacity: 0.1 },
    })
  }
  return (
    <Chart
      height={height}
      testId="score-radar"
      option={{
        animation,
        tooltip: {},
        legend: compare ? { bottom: 0 } : undefined,
        radar: {
          indicator: DIMENSIONS.map((d) => ({ name: d.label, max: 100 })),
          radius: '65%',
          axisName: { color: '#333', fontSize: 13 },
        },
        series: [{ type: 'radar', data: series }],
      }}
    />
  )
}
