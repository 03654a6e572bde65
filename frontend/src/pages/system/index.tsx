export default function Page() {
  return <div>TODO system</div>
}
