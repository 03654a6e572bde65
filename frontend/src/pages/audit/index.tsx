export default function Page() {
  return <div>TODO audit</div>
}
