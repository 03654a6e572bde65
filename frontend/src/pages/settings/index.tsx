export default function Page() {
  return <div>TODO settings</div>
}
